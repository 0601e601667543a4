//! One module per command.

pub mod attach;
pub mod create;
pub mod images;
pub mod import;
pub mod info;
pub mod inspect;
pub mod kill;
pub mod logs;
pub mod ps;
pub mod pull;
pub mod restart;
pub mod rm;
pub mod rmi;
pub mod run;
pub mod start;
pub mod stop;
pub mod tag;
pub mod version;
pub mod wait;

mod each;

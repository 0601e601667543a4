//! `berth logout [SERVER]`: removes the stored credentials.

use crate::args::LogoutArgs;
use crate::commands::login::server_address;
use crate::credentials::config_file;
use crate::{CliError, Ctx};

pub async fn run(_ctx: &Ctx, args: LogoutArgs) -> Result<i32, CliError> {
    let server = server_address(args.server.as_deref());
    let mut config = config_file()?;
    if config
        .get(&server)
        .map_err(|e| CliError::message(e.to_string()))?
        .is_none()
    {
        println!("Not logged in to {server}");
        return Ok(0);
    }
    println!("Removing login credentials for {server}");
    config
        .erase(&server)
        .map_err(|e| CliError::message(format!("WARNING: could not erase credentials: {e}")))?;
    Ok(0)
}

//! The error body every failed API call carries.

use serde::{Deserialize, Serialize};

/// `{"message":"..."}`, the body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ErrorResponse {
    #[serde(default)]
    pub message: String,
}

impl ErrorResponse {
    pub fn new(message: impl Into<String>) -> Self {
        ErrorResponse {
            message: message.into(),
        }
    }
}

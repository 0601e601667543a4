//! Network types: `/networks` bodies and answers (dockerd's `types.NetworkResource` and friends).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::container::{EndpointSettings, StringMap};

/// One `IPAM.Config` entry. docker-py sends every field, unset ones as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpamConfig {
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub subnet: String,
    #[serde(
        rename = "IPRange",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub ip_range: String,
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub gateway: String,
    /// dockerd's `AuxAddress`, named `AuxiliaryAddresses` on the wire.
    #[serde(rename = "AuxiliaryAddresses", skip_serializing_if = "Option::is_none")]
    pub aux_address: Option<StringMap>,
}

/// A string field that clients may send as `null` (docker-py's `IPAMPool`).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// `IPAM` of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipam {
    pub driver: String,
    pub options: Option<StringMap>,
    pub config: Option<Vec<IpamConfig>>,
}

impl Default for Ipam {
    fn default() -> Self {
        Ipam {
            driver: "default".into(),
            options: None,
            config: Some(Vec::new()),
        }
    }
}

/// `ConfigFrom` of a network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConfigReference {
    pub network: String,
}

/// A container on a network, as `GET /networks/{id}` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkContainer {
    pub name: String,
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    pub mac_address: String,
    #[serde(rename = "IPv4Address")]
    pub ipv4_address: String,
    #[serde(rename = "IPv6Address")]
    pub ipv6_address: String,
}

/// `GET /networks/{id}` and the elements of `GET /networks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkResource {
    pub name: String,
    pub id: String,
    pub created: String,
    pub scope: String,
    pub driver: String,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    pub ipam: Ipam,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    pub config_from: ConfigReference,
    pub config_only: bool,
    pub containers: BTreeMap<String, NetworkContainer>,
    pub options: StringMap,
    pub labels: StringMap,
}

/// `POST /networks/create` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkCreateRequest {
    pub name: String,
    pub check_duplicate: bool,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    pub ipam: Option<Ipam>,
    pub options: Option<StringMap>,
    pub labels: Option<StringMap>,
}

/// `201` answer of `POST /networks/create`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkCreateResponse {
    pub id: String,
    pub warning: String,
}

/// `POST /networks/{id}/connect` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkConnectRequest {
    pub container: String,
    pub endpoint_config: Option<EndpointSettings>,
}

/// `POST /networks/{id}/disconnect` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkDisconnectRequest {
    pub container: String,
    pub force: bool,
}

/// `POST /networks/prune` answer (`null` when nothing was deleted, as dockerd).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkPruneReport {
    pub networks_deleted: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_docker_cli_create_body() {
        let body = r#"{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"172.30.0.0/24"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{"team":"a"},"Name":"mynet2","CheckDuplicate":true}"#;
        let r: NetworkCreateRequest = serde_json::from_str(body).unwrap();
        assert_eq!(r.name, "mynet2");
        let ipam = r.ipam.unwrap();
        assert_eq!(ipam.config.unwrap()[0].subnet, "172.30.0.0/24");
        assert_eq!(r.labels.unwrap()["team"], "a");
    }

    #[test]
    fn parses_docker_py_ipam_pool_with_nulls() {
        let body = r#"{"Name":"n","Driver":"bridge","IPAM":{"Driver":"default","Config":[{"Subnet":"10.9.0.0/24","IPRange":null,"Gateway":null,"AuxiliaryAddresses":{"a":"10.9.0.5"}}]}}"#;
        let r: NetworkCreateRequest = serde_json::from_str(body).unwrap();
        let config = &r.ipam.unwrap().config.unwrap()[0];
        assert_eq!(config.subnet, "10.9.0.0/24");
        assert_eq!(config.ip_range, "");
        assert_eq!(config.gateway, "");
        assert_eq!(config.aux_address.as_ref().unwrap()["a"], "10.9.0.5");
    }

    #[test]
    fn resource_has_dockerd_field_names() {
        let v = serde_json::to_value(NetworkResource::default()).unwrap();
        for key in ["EnableIPv6", "IPAM", "ConfigFrom", "Containers", "Labels"] {
            assert!(v.get(key).is_some(), "{key}");
        }
    }
}

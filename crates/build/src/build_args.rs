//! ARG scoping with dockerd's rules: `--build-arg` values apply only to declared ARGs (plus the
//! predefined proxy variables); global ARGs (before the first FROM) are usable in FROM lines and
//! give their value to a stage that re-declares them without a default; every stage starts with
//! no ARGs of its own.

use std::collections::{BTreeMap, BTreeSet};

/// Predefined build args usable without an ARG declaration.
const BUILTIN: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTIN.contains(&name)
}

#[derive(Clone, Debug, Default)]
pub struct BuildArgs {
    /// `--build-arg` values.
    options: BTreeMap<String, String>,
    /// ARGs declared in the current stage, with their defaults.
    allowed: BTreeMap<String, Option<String>>,
    /// ARGs declared before the first FROM.
    meta: BTreeMap<String, Option<String>>,
    /// Every ARG declared anywhere (a `--build-arg` naming none of them is reported unused).
    referenced: BTreeSet<String>,
}

impl BuildArgs {
    pub fn new(options: BTreeMap<String, String>) -> BuildArgs {
        BuildArgs {
            options,
            ..BuildArgs::default()
        }
    }

    /// A fresh stage: the global ARGs stay, the stage's own declarations start empty.
    pub fn for_stage(&self) -> BuildArgs {
        BuildArgs {
            allowed: BTreeMap::new(),
            ..self.clone()
        }
    }

    pub fn add_arg(&mut self, name: &str, default: Option<String>) {
        self.allowed.insert(name.to_string(), default);
        self.referenced.insert(name.to_string());
    }

    pub fn add_meta_arg(&mut self, name: &str, default: Option<String>) {
        self.meta.insert(name.to_string(), default);
    }

    pub fn merge_referenced(&mut self, other: &BuildArgs) {
        self.referenced.extend(other.referenced.iter().cloned());
    }

    /// The value of `name` against one declaration map: the build arg, else the declared
    /// default, else (no default) the global ARG's value.
    fn value(&self, name: &str, declared: &BTreeMap<String, Option<String>>) -> Option<String> {
        let default = declared.get(name);
        if let Some(v) = self.options.get(name) {
            return Some(v.clone());
        }
        match default {
            Some(Some(v)) => Some(v.clone()),
            _ => self.meta.get(name).cloned().flatten(),
        }
    }

    fn all_of(&self, declared: &BTreeMap<String, Option<String>>) -> BTreeMap<String, String> {
        declared
            .keys()
            .map(String::as_str)
            .chain(BUILTIN)
            .filter_map(|k| self.value(k, declared).map(|v| (k.to_string(), v)))
            .collect()
    }

    /// The stage's ARGs with values (and the proxy variables given as build args).
    pub fn all_allowed(&self) -> BTreeMap<String, String> {
        self.all_of(&self.allowed)
    }

    /// The global ARGs with values (what FROM lines may use).
    pub fn all_meta(&self) -> BTreeMap<String, String> {
        self.all_of(&self.meta)
    }

    /// `KEY=value` for each stage ARG that the environment does not already set (ENV wins).
    pub fn filter_allowed(&self, env: &[String]) -> Vec<String> {
        let env_keys: BTreeSet<&str> = env
            .iter()
            .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k))
            .collect();
        self.all_allowed()
            .into_iter()
            .filter(|(k, _)| !env_keys.contains(k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// Whether a RUN's history text names this ARG: declared ones always, proxies only when
    /// declared (so a proxy setting does not bust the cache).
    pub fn is_referenced_or_not_builtin(&self, name: &str) -> bool {
        self.allowed.contains_key(name) || !is_builtin(name)
    }

    /// dockerd's "[Warning] One or more build-args [A B] were not consumed".
    pub fn unused_warning(&self) -> Option<String> {
        let unused: Vec<&str> = self
            .options
            .keys()
            .map(String::as_str)
            .filter(|k| !is_builtin(k) && !self.referenced.contains(*k))
            .collect();
        (!unused.is_empty()).then(|| {
            format!(
                "[Warning] One or more build-args [{}] were not consumed\n",
                unused.join(" ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn build_args_only_reach_declared_args() {
        let mut args = BuildArgs::new(options(&[
            ("A", "from-cli"),
            ("B", "x"),
            ("http_proxy", "p"),
        ]));
        args.add_arg("A", Some("default".into()));
        args.add_arg("C", Some("c".into()));
        args.add_arg("D", None);
        let all = args.all_allowed();
        assert_eq!(all.get("A").map(String::as_str), Some("from-cli"));
        assert_eq!(all.get("C").map(String::as_str), Some("c"));
        assert_eq!(all.get("B"), None, "undeclared build arg");
        assert_eq!(all.get("D"), None, "declared without a value");
        assert_eq!(all.get("http_proxy").map(String::as_str), Some("p"));
        assert_eq!(
            args.unused_warning().as_deref(),
            Some("[Warning] One or more build-args [B] were not consumed\n")
        );
        assert!(!args.is_referenced_or_not_builtin("http_proxy"));
        assert!(args.is_referenced_or_not_builtin("A"));
    }

    #[test]
    fn global_args_reach_stages_only_when_redeclared() {
        let mut global = BuildArgs::new(BTreeMap::new());
        global.add_arg("V", Some("1.0".into()));
        global.add_meta_arg("V", Some("1.0".into()));
        assert_eq!(global.all_meta().get("V").map(String::as_str), Some("1.0"));
        let mut stage = global.for_stage();
        assert_eq!(stage.all_allowed().get("V"), None);
        stage.add_arg("V", None);
        assert_eq!(
            stage.all_allowed().get("V").map(String::as_str),
            Some("1.0")
        );
    }

    #[test]
    fn env_wins_over_args() {
        let mut args = BuildArgs::new(BTreeMap::new());
        args.add_arg("X", Some("arg".into()));
        args.add_arg("Y", Some("y".into()));
        assert_eq!(
            args.filter_allowed(&["X=env".to_string()]),
            vec!["Y=y".to_string()]
        );
    }
}

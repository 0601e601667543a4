//! `berth volume create [--name N | N] [-d DRIVER] [-o k=v]... [--label k=v]...`: prints the
//! volume's name (the daemon picks one when none is given).

use api::{StringMap, VolumeCreateOptions};

use crate::args::VolumeCreateArgs;
use crate::gostr::go_quote;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: VolumeCreateArgs) -> Result<i32, CliError> {
    let options = create_options(&args)?;
    let volume = ctx.client.create_volume(&options).await?;
    println!("{}", volume.name);
    Ok(0)
}

/// The create body docker sends for these flags.
pub fn create_options(args: &VolumeCreateArgs) -> Result<VolumeCreateOptions, CliError> {
    let name = match (&args.name, &args.volume) {
        (Some(_), Some(_)) => {
            return Err(CliError::message(
                "conflicting options: cannot specify a volume-name through both --name and as a positional arg",
            ))
        }
        (Some(name), None) | (None, Some(name)) => name.clone(),
        (None, None) => String::new(),
    };
    let mut labels = StringMap::new();
    for label in &args.label {
        validate_label(label).map_err(|why| {
            CliError::Exit {
                code: 125,
                message: format!(
                    "invalid argument {} for \"--label\" flag: {why}\n\nUsage:  berth volume create [OPTIONS] [VOLUME]\n\nRun 'berth volume create --help' for more information",
                    go_quote(label)
                ),
            }
        })?;
        insert_pair(&mut labels, label);
    }
    let mut driver_opts = StringMap::new();
    for opt in &args.opt {
        insert_pair(&mut driver_opts, opt);
    }
    Ok(VolumeCreateOptions {
        name,
        driver: args.driver.clone(),
        driver_opts: Some(driver_opts),
        labels: Some(labels),
    })
}

/// `k=v` (or a bare `k`, an empty value) into a map; the last one of a key wins.
fn insert_pair(map: &mut StringMap, pair: &str) {
    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
    map.insert(k.to_string(), v.to_string());
}

/// docker's `opts.ValidateLabel`.
fn validate_label(label: &str) -> Result<(), String> {
    let key = label.split_once('=').map_or(label, |(k, _)| k);
    let key = key.trim_start_matches([' ', '\t']);
    if key.is_empty() {
        return Err(format!("invalid label '{label}': empty name"));
    }
    if key.contains([' ', '\t']) {
        return Err(format!("label '{key}' contains whitespaces"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        name: Option<&str>,
        volume: Option<&str>,
        opt: &[&str],
        label: &[&str],
    ) -> VolumeCreateArgs {
        VolumeCreateArgs {
            driver: "local".into(),
            name: name.map(String::from),
            opt: opt.iter().map(|s| s.to_string()).collect(),
            label: label.iter().map(|s| s.to_string()).collect(),
            volume: volume.map(String::from),
        }
    }

    #[test]
    fn name_from_the_flag_or_the_argument() {
        assert_eq!(
            create_options(&args(Some("a"), None, &[], &[]))
                .unwrap()
                .name,
            "a"
        );
        assert_eq!(
            create_options(&args(None, Some("b"), &[], &[]))
                .unwrap()
                .name,
            "b"
        );
        assert_eq!(
            create_options(&args(None, None, &[], &[])).unwrap().name,
            ""
        );
        assert_eq!(
            create_options(&args(Some("a"), Some("b"), &[], &[]))
                .unwrap_err()
                .to_string(),
            "conflicting options: cannot specify a volume-name through both --name and as a positional arg"
        );
    }

    #[test]
    fn options_and_labels() {
        // `docker volume create -d "" --label a --label b= -o x -o y=` sent
        // {"DriverOpts":{"x":"","y":""},"Labels":{"a":"","b":""}}
        let o = create_options(&args(
            None,
            None,
            &["x", "y=", "type=tmpfs"],
            &["a", "b=", "env=test"],
        ))
        .unwrap();
        let opts = o.driver_opts.unwrap();
        assert_eq!(opts["x"], "");
        assert_eq!(opts["type"], "tmpfs");
        let labels = o.labels.unwrap();
        assert_eq!((labels["a"].as_str(), labels["env"].as_str()), ("", "test"));
    }

    #[test]
    fn labels_are_validated_like_docker() {
        let e = create_options(&args(None, None, &[], &["=x"])).unwrap_err();
        assert_eq!(e.exit_code(), 125);
        assert!(e.to_string().starts_with(
            "invalid argument \"=x\" for \"--label\" flag: invalid label '=x': empty name\n\nUsage:  berth volume create"
        ));
        assert_eq!(
            validate_label("a b=c"),
            Err("label 'a b' contains whitespaces".to_string())
        );
        assert_eq!(validate_label(" a=c"), Ok(()));
    }
}

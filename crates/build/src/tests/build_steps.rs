//! Instruction semantics, ARG/ENV scoping, stages, cache and progress text.

use super::*;
use crate::BuildError;

fn config_of(fake: &Fake, outcome: &Outcome) -> image::ImageConfig {
    let id = &outcome.result.as_ref().expect("build succeeds").image_id;
    fake.image(id).0.config
}

/// The transcript's text with image ids masked as `<img>` and step container ids as `<id>`.
fn masked(text: &str) -> String {
    mask_ids(text)
        .lines()
        .map(|line| match line.strip_prefix(" ---> ") {
            Some(rest) if rest.len() == 12 && rest.chars().all(|c| c.is_ascii_hexdigit()) => {
                " ---> <img>".to_string()
            }
            _ => match line.strip_prefix("Successfully built ") {
                Some(_) => "Successfully built <img>".to_string(),
                None => line.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn progress_text_matches_the_legacy_transcript() {
    let fake = with_busybox();
    let ctx = context(&[("app.txt", "app content\n")]);
    let dockerfile = "FROM busybox\nENV GREETING=hello\nCOPY app.txt /app/app.txt\nRUN echo \"built with $GREETING\" > /app/built.txt && cat /app/built.txt\nWORKDIR /app\nEXPOSE 8000\nLABEL org.example.kind=demo\nCMD [\"cat\", \"/app/app.txt\"]\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |o| o.tags = vec!["x".into()]).await;
    let id = outcome.result.as_ref().unwrap().image_id.clone();
    let expected = "Step 1/8 : FROM busybox
 ---> <img>
Step 2/8 : ENV GREETING=hello
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Step 3/8 : COPY app.txt /app/app.txt
 ---> <img>
Step 4/8 : RUN echo \"built with $GREETING\" > /app/built.txt && cat /app/built.txt
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Step 5/8 : WORKDIR /app
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Step 6/8 : EXPOSE 8000
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Step 7/8 : LABEL org.example.kind=demo
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Step 8/8 : CMD [\"cat\", \"/app/app.txt\"]
 ---> Running in <id>
Removing intermediate container <id>
 ---> <img>
Successfully built <img>
Successfully tagged x:latest";
    assert_eq!(masked(&outcome.text), expected);
    assert!(outcome.text.ends_with("Successfully tagged x:latest\n"));
    assert!(outcome
        .text
        .contains(&format!("Successfully built {}\n", &id[7..19])));
    assert_eq!(outcome.aux, vec![id.clone()]);
    assert_eq!(
        fake.tags.lock().unwrap().clone(),
        vec![(id.clone(), "x".to_string())]
    );

    let config = config_of(&fake, &outcome);
    let c = &config.config;
    assert_eq!(
        c.env.as_ref().unwrap(),
        &vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            "GREETING=hello".to_string()
        ]
    );
    assert_eq!(c.working_dir, "/app");
    assert!(c.exposed_ports.as_ref().unwrap().contains_key("8000/tcp"));
    assert_eq!(c.labels.as_ref().unwrap()["org.example.kind"], "demo");
    assert_eq!(
        c.cmd.as_ref().unwrap(),
        &vec!["cat".to_string(), "/app/app.txt".to_string()]
    );
    let history: Vec<&str> = config
        .history
        .iter()
        .map(|h| h.created_by.as_str())
        .collect();
    assert_eq!(history[1], "/bin/sh -c #(nop)  ENV GREETING=hello");
    assert!(
        history[2].starts_with("/bin/sh -c #(nop) COPY file:"),
        "{}",
        history[2]
    );
    assert!(history[2].ends_with(" in /app/app.txt "), "{}", history[2]);
    assert_eq!(
        history[3],
        "/bin/sh -c echo \"built with $GREETING\" > /app/built.txt && cat /app/built.txt"
    );
    assert_eq!(history[4], "/bin/sh -c #(nop) WORKDIR /app");
    assert_eq!(history[5], "/bin/sh -c #(nop)  EXPOSE 8000");
    assert_eq!(
        history[7],
        "/bin/sh -c #(nop)  CMD [\"cat\" \"/app/app.txt\"]"
    );
    assert_eq!(
        config
            .history
            .iter()
            .map(|h| h.empty_layer)
            .collect::<Vec<_>>(),
        vec![false, true, false, false, true, true, true, true]
    );
    // RUN sees the image env; the shell, not the builder, expands $GREETING.
    let run_call = fake
        .calls()
        .into_iter()
        .find(|c| c.starts_with("run "))
        .unwrap();
    assert!(
        run_call.contains("[\"/bin/sh\", \"-c\", \"echo \\\"built with $GREETING\\\""),
        "{run_call}"
    );
    assert!(run_call.contains("GREETING=hello"), "{run_call}");
}

#[tokio::test]
async fn second_build_uses_the_cache_and_a_changed_file_busts_it() {
    let fake = with_busybox();
    let ctx = context(&[("a.txt", "one\n")]);
    let dockerfile = "FROM busybox\nENV A=1\nCOPY a.txt /a.txt\nRUN echo hi\nCMD [\"sh\"]\n";
    let first = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    let first_id = first.result.unwrap().image_id;
    assert!(!first.text.contains("Using cache"));

    let second = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    assert_eq!(second.result.unwrap().image_id, first_id);
    assert_eq!(
        second.text.matches(" ---> Using cache\n").count(),
        4,
        "{}",
        second.text
    );
    assert!(!second.text.contains("Running in"), "{}", second.text);

    fs::write(ctx.path().join("a.txt"), "two\n").unwrap();
    let third = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    assert_ne!(third.result.unwrap().image_id, first_id);
    // ENV still hits; COPY and everything after it miss.
    assert_eq!(
        third.text.matches(" ---> Using cache\n").count(),
        1,
        "{}",
        third.text
    );

    let no_cache = run(&fake, ctx.path(), dockerfile, |o| o.no_cache = true).await;
    assert!(no_cache.result.is_ok());
    assert!(!no_cache.text.contains("Using cache"));
}

#[tokio::test]
async fn arg_and_env_scoping() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let dockerfile = "ARG BASE=busybox\nARG GLOBAL=g\nFROM ${BASE}\nARG GLOBAL\nARG LOCAL=l\nARG OVER=default\nENV FROM_ARG=$LOCAL-$GLOBAL-$OVER ENV_WINS=env\nARG ENV_WINS=arg\nRUN echo $LOCAL\nLABEL unset=\"${NOPE:-fallback}\" set=${LOCAL:+yes}\nUSER ${LOCAL}x\nWORKDIR /w/$GLOBAL\nWORKDIR sub\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |o| {
        o.build_args.insert("OVER".into(), "cli".into());
        o.build_args.insert("UNUSED".into(), "x".into());
        o.build_args
            .insert("HTTP_PROXY".into(), "http://proxy".into());
    })
    .await;
    let config = config_of(&fake, &outcome);
    let env = config.config.env.clone().unwrap();
    assert!(env.contains(&"FROM_ARG=l-g-cli".to_string()), "{env:?}");
    let labels = config.config.labels.clone().unwrap();
    assert_eq!(labels["unset"], "fallback");
    assert_eq!(labels["set"], "yes");
    assert_eq!(config.config.user, "lx");
    assert_eq!(config.config.working_dir, "/w/g/sub");
    // ARG values are not stored in the image.
    assert!(!env.iter().any(|e| e.starts_with("LOCAL=")));
    // RUN sees ARGs the env does not set (ENV wins), plus the proxy; its history names the
    // declared ARGs only (not the undeclared proxy) with the `|N` prefix.
    let run_call = fake
        .calls()
        .into_iter()
        .find(|c| c.starts_with("run "))
        .unwrap();
    assert!(run_call.contains("\"LOCAL=l\""), "{run_call}");
    assert!(
        run_call.contains("\"HTTP_PROXY=http://proxy\""),
        "{run_call}"
    );
    assert!(!run_call.contains("ENV_WINS=arg"), "{run_call}");
    assert!(
        run_call.contains("created_by=\"|3 GLOBAL=g LOCAL=l OVER=cli /bin/sh -c echo $LOCAL\""),
        "{run_call}"
    );
    assert!(outcome
        .text
        .contains("[Warning] One or more build-args [UNUSED] were not consumed\n"));
    assert!(
        outcome.text.starts_with(
            "Step 1/13 : ARG BASE=busybox\nStep 2/13 : ARG GLOBAL=g\nStep 3/13 : FROM ${BASE}\n"
        ),
        "{}",
        outcome.text
    );
}

#[tokio::test]
async fn global_args_are_not_visible_in_stages_without_redeclaration() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let outcome = run(
        &fake,
        ctx.path(),
        "ARG V=1\nFROM busybox\nENV X=v$V\n",
        |_| {},
    )
    .await;
    let env = config_of(&fake, &outcome).config.env.unwrap();
    assert!(env.contains(&"X=v".to_string()), "{env:?}");
}

#[tokio::test]
async fn target_builds_only_the_stages_it_needs() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let dockerfile = "FROM busybox AS base\nENV STAGE=base\nFROM busybox AS unused\nRUN exit 1\nFROM base AS tools\nENV STAGE=tools\nFROM busybox AS final\nCOPY --from=tools /etc/passwd /copied\nFROM busybox AS after\nENV STAGE=after\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |o| {
        o.target = Some("final".into())
    })
    .await;
    let config = config_of(&fake, &outcome);
    assert!(config
        .config
        .env
        .unwrap()
        .iter()
        .all(|e| !e.starts_with("STAGE=")));
    assert!(
        !fake.calls().iter().any(|c| c.starts_with("run ")),
        "{:?}",
        fake.calls()
    );
    assert!(!outcome.text.contains("STAGE=after"));
    // base (2 steps) + tools (2) + final (2).
    assert!(
        outcome
            .text
            .contains("Step 6/6 : COPY --from=tools /etc/passwd /copied"),
        "{}",
        outcome.text
    );
    assert_eq!(outcome.aux.len(), 3);

    let missing = run(&fake, ctx.path(), dockerfile, |o| {
        o.target = Some("nope".into())
    })
    .await;
    assert_eq!(
        missing.result.unwrap_err().to_string(),
        "target stage \"nope\" could not be found"
    );
}

#[tokio::test]
async fn cmd_entrypoint_shell_healthcheck_and_more() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let dockerfile = "FROM busybox\nENTRYPOINT [\"/entry\"]\nSHELL [\"/bin/bash\", \"-e\", \"-c\"]\nCMD run me\nVOLUME /data [\"x\"]\nVOLUME [\"/a\", \"/b\"]\nSTOPSIGNAL SIGKILL\nHEALTHCHECK --interval=5s CMD check\nHEALTHCHECK NONE\nMAINTAINER someone\nONBUILD RUN echo triggered\nEXPOSE 53/udp 80\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    let config = config_of(&fake, &outcome);
    let c = &config.config;
    assert_eq!(c.entrypoint.as_ref().unwrap(), &vec!["/entry".to_string()]);
    assert_eq!(
        c.cmd.as_ref().unwrap(),
        &vec![
            "/bin/bash".to_string(),
            "-e".into(),
            "-c".into(),
            "run me".into()
        ]
    );
    let volumes: Vec<&String> = c.volumes.as_ref().unwrap().keys().collect();
    assert_eq!(volumes, vec!["/a", "/b", "/data", "[x]"]);
    assert_eq!(c.stop_signal.as_deref(), Some("SIGKILL"));
    assert_eq!(
        c.healthcheck.as_ref().unwrap().test,
        Some(vec!["NONE".to_string()])
    );
    assert!(outcome
        .text
        .contains("Note: overriding previous HEALTHCHECK: [CMD-SHELL check]\n"));
    assert_eq!(config.author, "someone");
    assert_eq!(
        c.on_build.as_ref().unwrap(),
        &vec!["RUN echo triggered".to_string()]
    );
    let ports: Vec<&String> = c.exposed_ports.as_ref().unwrap().keys().collect();
    assert_eq!(ports, vec!["53/udp", "80/tcp"]);
    let history: Vec<String> = config
        .history
        .iter()
        .map(|h| h.created_by.clone())
        .collect();
    assert!(history.contains(&"/bin/sh -c #(nop)  ENTRYPOINT [\"/entry\"]".to_string()));
    assert!(
        history.contains(
            &"/bin/bash -e -c #(nop)  CMD [\"/bin/bash\" \"-e\" \"-c\" \"run me\"]".to_string()
        ),
        "{history:?}"
    );
    assert!(history.contains(&"/bin/bash -e -c #(nop)  HEALTHCHECK &{Test:[CMD-SHELL check] Interval:5s Timeout:0s StartPeriod:0s Retries:0}".to_string()), "{history:?}");
    assert!(
        history.contains(&"/bin/bash -e -c #(nop)  VOLUME [/a /b]".to_string()),
        "{history:?}"
    );

    // The image as a base: its ONBUILD trigger runs right after FROM, and is not inherited.
    let parent = outcome.result.unwrap().image_id;
    fake.names
        .lock()
        .unwrap()
        .insert("withtrigger".into(), parent);
    let child = run(
        &fake,
        ctx.path(),
        "FROM withtrigger\nENTRYPOINT [\"/other\"]\n",
        |_| {},
    )
    .await;
    assert!(
        child.text.contains("# Executing 1 build trigger\n"),
        "{}",
        child.text
    );
    let triggered = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("run ") && c.contains("echo triggered"))
        .count();
    assert_eq!(triggered, 1);
    let config = config_of(&fake, &child);
    assert!(config.config.on_build.is_none());
    // ENTRYPOINT resets the CMD inherited from the base.
    assert_eq!(config.config.cmd, None);
}

#[tokio::test]
async fn entrypoint_keeps_a_cmd_set_in_the_same_stage() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let outcome = run(
        &fake,
        ctx.path(),
        "FROM busybox\nCMD [\"a\"]\nENTRYPOINT /e\n",
        |_| {},
    )
    .await;
    let c = config_of(&fake, &outcome).config;
    assert_eq!(c.cmd, Some(vec!["a".to_string()]));
    assert_eq!(
        c.entrypoint,
        Some(vec!["/bin/sh".into(), "-c".into(), "/e".into()])
    );
}

#[tokio::test]
async fn run_failure_and_missing_base() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let outcome = run(&fake, ctx.path(), "FROM busybox\nRUN exit 3\n", |_| {}).await;
    match outcome.result {
        Err(BuildError::RunFailed { command, code }) => {
            assert_eq!(command, "/bin/sh -c exit 3");
            assert_eq!(code, 3);
        }
        other => panic!("{other:?}"),
    }
    let missing = run(&fake, ctx.path(), "FROM nosuch\n", |_| {}).await;
    let err = missing.result.unwrap_err();
    assert_eq!(errdefs::HasKind::kind(&err), errdefs::ErrorKind::NotFound);
    let mount = run(
        &fake,
        ctx.path(),
        "FROM busybox\nRUN --mount=type=cache,target=/x true\n",
        |_| {},
    )
    .await;
    assert!(mount
        .result
        .unwrap_err()
        .to_string()
        .starts_with("the --mount option requires BuildKit"));
}

#[tokio::test]
async fn labels_option_adds_steps_and_scratch_works() {
    let fake = with_busybox();
    let ctx = context(&[("f", "x")]);
    let outcome = run(&fake, ctx.path(), "FROM scratch\nCOPY f /f\n", |o| {
        o.labels.insert("l1".into(), "v1".into());
        o.labels.insert("a".into(), "$notexpanded".into());
    })
    .await;
    assert!(
        outcome
            .text
            .starts_with("Step 1/4 : FROM scratch\n ---> \nStep 2/4 : COPY f /f\n"),
        "{}",
        outcome.text
    );
    assert!(outcome.text.contains("Step 3/4 : LABEL a=$notexpanded\n"));
    assert!(outcome.text.contains("Step 4/4 : LABEL l1=v1\n"));
    let config = config_of(&fake, &outcome);
    assert_eq!(config.config.labels.unwrap()["a"], "$notexpanded");
    assert_eq!(config.os, "linux");

    let only_args = run(&fake, ctx.path(), "ARG A=1\n", |_| {}).await;
    assert_eq!(
        only_args.result.unwrap_err().to_string(),
        "No image was generated. Is your Dockerfile empty?"
    );
    let empty = run(&fake, ctx.path(), "FROM scratch\n", |_| {}).await;
    assert_eq!(
        empty.result.unwrap_err().to_string(),
        "No image was generated. Is your Dockerfile empty?"
    );
}

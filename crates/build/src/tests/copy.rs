//! COPY/ADD semantics on a temporary context.

use std::os::unix::fs::{symlink, PermissionsExt};

use super::*;
use crate::tests::fake::describe_tree;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The built image's root, described.
fn tree_of(fake: &Fake, outcome: &Outcome) -> Vec<String> {
    let id = &outcome
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("build failed: {e}\n{}", outcome.text))
        .image_id;
    describe_tree(&fake.image(id).1)
}

fn has(tree: &[String], prefix: &str) -> bool {
    tree.iter().any(|l| l.starts_with(prefix))
}

fn error_of(outcome: Outcome) -> String {
    match outcome.result {
        Ok(_) => panic!("build should fail:\n{}", outcome.text),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn files_dirs_globs_and_destinations() {
    let fake = with_busybox();
    let ctx = context(&[
        ("a.txt", "a"),
        ("b.txt", "b"),
        ("c.md", "c"),
        ("dir/one", "1"),
        ("dir/sub/two", "2"),
    ]);
    fs::set_permissions(ctx.path().join("a.txt"), fs::Permissions::from_mode(0o751)).unwrap();
    let dockerfile = "FROM busybox\nWORKDIR /work\nCOPY a.txt .\nCOPY a.txt renamed\nCOPY *.txt /globbed/\nCOPY dir /contents\nCOPY dir/ rel/\nCOPY c.md b.txt /multi/\nCOPY ./dir/sub /var/run/sub\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    let tree = tree_of(&fake, &outcome);
    assert!(has(&tree, "/work/a.txt file 751"), "{tree:#?}");
    assert!(has(&tree, "/work/renamed file 751"));
    assert!(has(&tree, "/globbed/a.txt file"));
    assert!(has(&tree, "/globbed/b.txt file"));
    assert!(!has(&tree, "/globbed/c.md"));
    // A directory source copies its contents.
    assert!(has(&tree, "/contents/one file"));
    assert!(has(&tree, "/contents/sub/two file"));
    assert!(!has(&tree, "/contents/dir"));
    assert!(has(&tree, "/work/rel/one file"));
    assert!(has(&tree, "/multi/c.md file"));
    assert!(has(&tree, "/multi/b.txt file"));
    // The image's /var/run symlink is followed, not replaced.
    assert!(has(&tree, "/var/run link 777"));
    assert!(has(&tree, "/run/sub/two file"));
    if is_root() {
        assert!(has(&tree, "/work/a.txt file 751 0:0 a"));
    }
    let history = fake
        .image(&outcome.result.unwrap().image_id)
        .0
        .config
        .history;
    let texts: Vec<&str> = history.iter().map(|h| h.created_by.as_str()).collect();
    assert!(
        texts.iter().any(
            |t| t.starts_with("/bin/sh -c #(nop) COPY multi:") && t.ends_with(" in /globbed/ ")
        ),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("/bin/sh -c #(nop) COPY dir:") && t.ends_with(" in /contents ")),
        "{texts:?}"
    );
}

#[tokio::test]
async fn copy_errors() {
    let fake = with_busybox();
    let ctx = context(&[("a", "a"), ("b", "b")]);
    assert_eq!(
        error_of(run(&fake, ctx.path(), "FROM busybox\nCOPY a b /nodir\n", |_| {}).await),
        "When using COPY with more than one source file, the destination must be a directory and end with a /"
    );
    assert_eq!(
        error_of(run(&fake, ctx.path(), "FROM busybox\nCOPY missing /x\n", |_| {}).await),
        "COPY failed: file not found in build context or excluded by .dockerignore: stat missing: file does not exist"
    );
    assert_eq!(
        error_of(run(&fake, ctx.path(), "FROM busybox\nCOPY *.none /x/\n", |_| {}).await),
        "no source files were specified"
    );
    assert_eq!(
        error_of(
            run(
                &fake,
                ctx.path(),
                "FROM busybox\nADD http://example.invalid/x /x\n",
                |_| {}
            )
            .await
        ),
        "ADD from URL is not supported yet"
    );
    assert!(error_of(
        run(
            &fake,
            ctx.path(),
            "FROM busybox\nCOPY --chmod=644 a /x\n",
            |_| {}
        )
        .await
    )
    .starts_with("the --chmod option requires BuildKit"));
    let bad_user = error_of(
        run(
            &fake,
            ctx.path(),
            "FROM busybox\nCOPY --chown=nobody a /x\n",
            |_| {},
        )
        .await,
    );
    assert!(
        bad_user.contains("can't find uid for user nobody"),
        "{bad_user}"
    );
}

#[tokio::test]
async fn dockerignored_files_are_invisible() {
    let fake = with_busybox();
    let ctx = context(&[
        (".dockerignore", "secret.txt\nlogs\n!logs/keep.log\n*.tmp\n"),
        ("secret.txt", "s"),
        ("public.txt", "p"),
        ("logs/a.log", "a"),
        ("logs/keep.log", "k"),
        ("x.tmp", "t"),
    ]);
    let outcome = run(&fake, ctx.path(), "FROM busybox\nCOPY . /ctx/\n", |_| {}).await;
    let tree = tree_of(&fake, &outcome);
    assert!(has(&tree, "/ctx/public.txt"));
    assert!(has(&tree, "/ctx/logs/keep.log"), "{tree:#?}");
    assert!(!has(&tree, "/ctx/secret.txt"));
    assert!(!has(&tree, "/ctx/logs/a.log"));
    assert!(!has(&tree, "/ctx/x.tmp"));
    assert!(error_of(
        run(
            &fake,
            ctx.path(),
            "FROM busybox\nCOPY secret.txt /\n",
            |_| {}
        )
        .await
    )
    .contains("file not found in build context or excluded by .dockerignore"));
    // A glob does not see them either.
    let globbed = run(&fake, ctx.path(), "FROM busybox\nCOPY *.txt /g/\n", |_| {}).await;
    let tree = tree_of(&fake, &globbed);
    assert!(has(&tree, "/g/public.txt"));
    assert!(!has(&tree, "/g/secret.txt"));
}

#[tokio::test]
async fn symlinks_cannot_escape_the_context() {
    let fake = with_busybox();
    let ctx = context(&[("inside", "in")]);
    symlink("/", ctx.path().join("root")).unwrap();
    symlink("../../../../../etc/passwd", ctx.path().join("up")).unwrap();
    symlink("inside", ctx.path().join("tofile")).unwrap();
    fs::create_dir(ctx.path().join("etc")).unwrap();
    fs::write(ctx.path().join("etc/passwd"), "context passwd\n").unwrap();

    // `root/etc/passwd` resolves to the context's own etc/passwd, never the host's.
    let outcome = run(
        &fake,
        ctx.path(),
        "FROM busybox\nCOPY root/etc/passwd /copied\nCOPY up /up\nCOPY tofile /followed\n",
        |_| {},
    )
    .await;
    let tree = tree_of(&fake, &outcome);
    assert!(has(&tree, "/copied file 644"), "{tree:#?}");
    assert!(
        tree.iter()
            .any(|l| l.starts_with("/copied file") && l.ends_with("context passwd")),
        "{tree:#?}"
    );
    assert!(tree
        .iter()
        .any(|l| l.starts_with("/up file") && l.ends_with("context passwd")));
    // A symlink source is followed; its name is kept.
    assert!(tree
        .iter()
        .any(|l| l.starts_with("/followed file") && l.ends_with(" in")));

    // Copying the link's directory copies the link itself, not the host root.
    let whole = run(&fake, ctx.path(), "FROM busybox\nCOPY . /all/\n", |_| {}).await;
    let tree = tree_of(&fake, &whole);
    assert!(has(&tree, "/all/root link 777"), "{tree:#?}");
    assert!(!has(&tree, "/all/root/"));

    // Without an etc/passwd in the context the source is simply missing.
    fs::remove_dir_all(ctx.path().join("etc")).unwrap();
    assert!(error_of(
        run(
            &fake,
            ctx.path(),
            "FROM busybox\nCOPY root/etc/passwd /\n",
            |_| {}
        )
        .await
    )
    .contains("file not found in build context"));
}

#[tokio::test]
async fn chown_names_from_the_image_and_from_stage() {
    let fake = with_busybox();
    let ctx = context(&[("f", "data"), ("d/g", "g")]);
    let dockerfile = "FROM busybox AS one\nCOPY --chown=app:staff f /owned\nCOPY --chown=7 d /d7\nFROM busybox\nCOPY --from=one /owned /again\nCOPY --from=0 /d7/g /g\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    let tree = tree_of(&fake, &outcome);
    assert!(has(&tree, "/again file"), "{tree:#?}");
    assert!(has(&tree, "/g file"));
    if is_root() {
        // --from without --chown keeps the owners of the other stage's files.
        assert!(has(&tree, "/again file 644 1000:50"), "{tree:#?}");
        assert!(has(&tree, "/g file 644 7:7"), "{tree:#?}");
        let first_stage = fake
            .calls()
            .into_iter()
            .filter(|c| c.contains("COPY --chown=app:staff"))
            .count();
        assert!(first_stage >= 1);
    }
    let bad = error_of(
        run(
            &fake,
            ctx.path(),
            "FROM busybox\nCOPY --from=0 /etc/passwd /x\n",
            |_| {},
        )
        .await,
    );
    assert!(bad.contains("refers to current build stage"), "{bad}");
}

#[tokio::test]
async fn add_extracts_local_tars() {
    let fake = with_busybox();
    let ctx = context(&[]);
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(5);
    header.set_mode(0o600);
    header.set_uid(12);
    header.set_gid(34);
    header.set_cksum();
    builder
        .append_data(&mut header, "inner/file.txt", &b"hello"[..])
        .unwrap();
    let tar_bytes = builder.into_inner().unwrap();
    fs::write(ctx.path().join("plain.tar"), &tar_bytes).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar_bytes).unwrap();
    fs::write(ctx.path().join("packed.tgz"), gz.finish().unwrap()).unwrap();
    fs::write(ctx.path().join("notatar.gz"), b"just text").unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    std::io::Write::write_all(&mut bz, &tar_bytes).unwrap();
    fs::write(ctx.path().join("packed.tar.bz2"), bz.finish().unwrap()).unwrap();
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut std::io::Cursor::new(&tar_bytes), &mut xz).unwrap();
    fs::write(ctx.path().join("packed.txz"), xz).unwrap();
    fs::write(ctx.path().join("fake.xz"), b"\xfd7zXZ\x00 not really").unwrap();
    let dockerfile = "FROM busybox\nADD plain.tar /plain\nADD packed.tgz /gz/\nADD notatar.gz /raw/\nCOPY plain.tar /copied/\nADD packed.tar.bz2 /bz/\nADD packed.txz /xz/\nADD fake.xz /raw/\n";
    let outcome = run(&fake, ctx.path(), dockerfile, |_| {}).await;
    let tree = tree_of(&fake, &outcome);
    assert!(has(&tree, "/plain/inner/file.txt file 600"), "{tree:#?}");
    assert!(has(&tree, "/gz/inner/file.txt file 600"));
    assert!(has(&tree, "/raw/notatar.gz file"));
    assert!(has(&tree, "/bz/inner/file.txt file 600"));
    assert!(has(&tree, "/xz/inner/file.txt file 600"));
    assert!(has(&tree, "/raw/fake.xz file"));
    // COPY never extracts.
    assert!(has(&tree, "/copied/plain.tar file"));
    if is_root() {
        assert!(
            has(&tree, "/plain/inner/file.txt file 600 12:34 hello"),
            "{tree:#?}"
        );
    }
}

#[tokio::test]
async fn layers_hold_only_the_change_with_the_images_parent_metadata() {
    let fake = with_busybox();
    let ctx = context(&[("f", "x")]);
    let outcome = run(
        &fake,
        ctx.path(),
        "FROM busybox\nCOPY f /etc/new/f\nWORKDIR /etc\nWORKDIR /made/here\n",
        |_| {},
    )
    .await;
    let id = outcome.result.unwrap().image_id;
    let (state, _, layer) = fake.image(&id);
    // The last WORKDIR created its directory in a layer.
    assert_eq!(layer.len(), 2, "{layer:?}");
    assert!(layer[0].starts_with("/made dir 755"));
    assert!(layer[1].starts_with("/made/here dir 755"));
    // WORKDIR /etc existed: no layer.
    assert!(state.config.history[state.config.history.len() - 2].empty_layer);
    let copy_layer = fake
        .images
        .lock()
        .unwrap()
        .iter()
        .find(|i| i.layer.iter().any(|l| l.starts_with("/etc/new/f")))
        .map(|i| i.layer.clone())
        .unwrap();
    assert_eq!(copy_layer.len(), 3, "{copy_layer:?}");
    assert!(copy_layer[0].starts_with("/etc dir"));
    assert!(copy_layer[1].starts_with("/etc/new dir 755"));
}

//! The HTML pages through the `baldwin` binary: a results folder's `index.html` is
//! well-formed, every local link and image in it resolves, user text is escaped, and
//! `plot --index` lists every results folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_baldwin");

fn baldwin(args: &[&str]) -> Output {
    let output = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "baldwin {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baldwin-page-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tiny fixture with `seeds = 1`, a new name and an added description, run into `out`.
fn run_tiny(root: &Path, name: &str, description: &str) -> PathBuf {
    let fixture = std::fs::read_to_string("tests/fixtures/tiny.toml").unwrap();
    let text = fixture.replacen(
        "name = \"tiny\"",
        &format!("name = {name:?}\ndescription = {description:?}"),
        1,
    );
    let file = root.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let out = root.join(name);
    baldwin(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--seeds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

/// Parse a page as XML (its `<!DOCTYPE html>` is allowed).
fn parse(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options).expect("the page is well-formed XHTML")
}

/// Every `href` and `src` of a page, with the page parsed as XML.
fn local_links(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    let doc = parse(&text);
    doc.descendants()
        .flat_map(|n| [n.attribute("href"), n.attribute("src")])
        .flatten()
        .map(str::to_string)
        .collect()
}

#[test]
fn an_experiment_page_is_well_formed_and_every_link_and_image_resolves() {
    let root = scratch("links");
    let out = run_tiny(&root, "tiny", "a tiny test");
    let page = out.join("index.html");
    let links = local_links(&page);
    assert!(
        links.iter().any(|l| l == "learning_curves.svg"),
        "{links:?}"
    );
    assert!(links.iter().any(|l| l == "runs.csv"), "{links:?}");
    assert!(links.iter().any(|l| l == "config.toml"), "{links:?}");
    for link in &links {
        assert!(!link.contains("://"), "no remote resources: {link}");
        assert!(
            out.join(link).is_file(),
            "{link} resolves in {}",
            out.display()
        );
    }
    // Every figure the run drew is on the page.
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".svg") || name.ends_with(".csv") {
            assert!(links.contains(&name), "{name} is linked");
        }
    }
    // `plot` rewrites the same page.
    let first = std::fs::read_to_string(&page).unwrap();
    std::fs::remove_file(&page).unwrap();
    baldwin(&["plot", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), first);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_description_with_markup_shows_as_text_not_as_a_script() {
    let root = scratch("escape");
    let out = run_tiny(&root, "tiny", "<script>alert(1)</script> & more");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "escaped");
    assert!(!html.contains("<script"), "no script element");
    parse(&html);

    baldwin(&["plot", "--index", root.to_str().unwrap()]);
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    assert!(index.contains("&lt;script&gt;alert(1)&lt;"), "escaped");
    assert!(!index.contains("<script"), "no script element");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_index_lists_every_results_folder_and_its_links_resolve() {
    let root = scratch("index");
    run_tiny(&root, "first", "one");
    run_tiny(&root, "second", "two");
    // A folder without a config.toml is not a results folder.
    std::fs::create_dir_all(root.join("not-results")).unwrap();
    baldwin(&["plot", "--index", root.to_str().unwrap()]);
    let links = local_links(&root.join("index.html"));
    assert_eq!(links, ["first/index.html", "second/index.html"]);
    for link in &links {
        assert!(root.join(link).is_file(), "{link} resolves");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn every_committed_results_page_is_well_formed_and_its_links_resolve() {
    let results = Path::new("docs/results");
    let mut pages = vec![results.join("index.html")];
    for entry in std::fs::read_dir(results).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("config.toml").is_file() {
            pages.push(dir.join("index.html"));
        }
    }
    for page in &pages {
        assert!(page.is_file(), "{} is committed", page.display());
        let base = page.parent().unwrap();
        for link in local_links(page) {
            assert!(base.join(&link).is_file(), "{link} in {}", page.display());
        }
    }
}

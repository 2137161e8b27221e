//! End to end in a real browser: `citata serve` driven by headless Chromium through
//! chromedriver (WebDriver over HTTP, spoken here with a few lines of std). A researcher
//! searches, opens a transcript at a hit, and pins a quote on the quote board.
//!
//! Skipped, with a message, when chromium or chromedriver is not installed (Debian:
//! `apt-get install chromium chromium-driver`; `.ci/run` installs them).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A child process killed when dropped.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with a JSON body; the JSON answer (Null when it is not JSON).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    try_http(port, method, path, body)
        .unwrap_or_else(|e| panic!("{method} {path} on port {port}: {e}"))
}

/// [`http`], with the I/O error instead of a panic (for clean-up in `Drop`).
fn try_http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    Ok(serde_json::from_slice(&read_body(&mut BufReader::new(s))?).unwrap_or(Value::Null))
}

/// Reads one answer's body: by Content-Length, or chunked (servers may keep the
/// connection open whatever the request said, so reading to the end can hang).
fn read_body(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            break;
        }
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if l.starts_with("transfer-encoding:") && l.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body)?;
    }
    Ok(body)
}

struct Browser {
    port: u16,
    session: String,
}

/// Ends the session (and so the browser) even when an assertion fails: killing chromedriver
/// alone leaves chromium running.
impl Drop for Browser {
    fn drop(&mut self) {
        // Never panic here: a panic in drop would hide the assertion that failed.
        let _ = try_http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = http(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> Option<String> {
        self.find_by("css selector", css)
    }

    fn find_by(&self, using: &str, value: &str) -> Option<String> {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": using, "value": value})),
        );
        // The W3C element reference; an error answer ("no such element") has none.
        v.get("element-6066-11e4-a52e-4f735466cecf")?
            .as_str()
            .map(str::to_string)
    }

    /// Waits up to 10 s for an element.
    fn wait(&self, css: &str) -> String {
        self.wait_by("css selector", css)
    }

    /// Waits up to 10 s for an element found with a WebDriver locator strategy.
    fn wait_by(&self, using: &str, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find_by(using, css) {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no `{css}` on {}",
                self.call("GET", "/url", None)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to 10 s for an element with text (an element can be found while the page is
    /// still being parsed, before its text is); the text.
    fn wait_text(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.find(css).map(|e| self.text(&e)).unwrap_or_default();
            if !text.trim().is_empty() {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no `{css}` with text on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The element's text (its DOM text content: the rendered text can be empty while the
    /// page is still laid out).
    fn text(&self, element: &str) -> String {
        self.call(
            "GET",
            &format!("/element/{element}/property/textContent"),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    fn click(&self, element: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// A DOM property of the element (`value` of an input, `className`, `title`).
    fn property(&self, element: &str, name: &str) -> String {
        self.call("GET", &format!("/element/{element}/property/{name}"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Types into an input.
    fn type_in(&self, element: &str, text: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        );
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Runs a script in the page (as WebDriver does: not subject to the page's CSP).
    fn script(&self, body: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": body, "args": []})),
        )
    }

    /// Waits up to 10 s for the URL to contain `part`.
    fn wait_url(&self, part: &str) -> String {
        let start = Instant::now();
        loop {
            let url = self.url();
            if url.contains(part) {
                return url;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the URL has no `{part}`: {url}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A CSS property of the element as the browser computed it.
    fn css(&self, element: &str, property: &str) -> String {
        self.call("GET", &format!("/element/{element}/css/{property}"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// The study of the browser tests, `citata serve` on it, chromedriver and a headless
/// Chromium session; `None` (after a message) when they are not installed.
struct Served {
    dir: tempfile::TempDir,
    study: std::path::PathBuf,
    base: String,
    // Dropped in this order: the session, then chromedriver, then the server.
    b: Browser,
    _driver: Kill,
    _server: Kill,
}

fn serve() -> Option<Served> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| installed(c));
    let (Some(chromium), true) = (chromium, installed("chromedriver")) else {
        eprintln!(
            "SKIPPED: the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    std::fs::create_dir(&study).unwrap();
    write(
        &study,
        "zakupki.txt",
        "---\ndivision: Закупки\nwave: 2026\n---\nИнтервьюер: Как с условиями оплаты?\n\
Респондент: Ну, отсрочка у нас тридцать дней, а хотелось бы шестьдесят, честно говоря. \
С оплатой по счетам бывают задержки, бухгалтерия нервничает.\n\
Интервьюер: А сроки поставки?\nРеспондент: Сроки поставки стали лучше 👍, склад заработал.\n",
    );
    write(
        &study,
        "finansy.txt",
        "---\ndivision: Финансы\nwave: 2026\n---\nИнтервьюер: Оплата?\n\
Респондент: Отсрочкой довольны, тут претензий нет. Акты сверки приходят вовремя.\n",
    );
    let port = free_port();
    let mut server = Kill(
        Command::new(env!("CARGO_BIN_EXE_citata"))
            .arg("serve")
            .arg(&study)
            .arg("--index")
            .arg(dir.path().join("idx"))
            .args(["--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    let base = format!("http://127.0.0.1:{port}");

    let driver_port = free_port();
    let driver = Kill(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while http_ready(driver_port).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver does not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let binary = Command::new("which")
        .arg(chromium)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let session = http(
        driver_port,
        "POST",
        "/session",
        Some(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]
            }
        }}})),
    );
    let id = session["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {session}"))
        .to_string();
    let b = Browser {
        port: driver_port,
        session: id,
    };
    Some(Served {
        dir,
        study,
        base,
        b,
        _driver: driver,
        _server: server,
    })
}

#[test]
fn a_researcher_searches_opens_a_transcript_at_a_hit_and_pins_a_quote() {
    let Some(served) = serve() else {
        return;
    };
    let (b, base, study) = (&served.b, &served.base, &served.study);

    // Search: type the query, submit, see the KWIC lines with the match marked.
    b.go(&format!("{base}/search"));
    let q = b.wait("input[name=q]");
    b.call(
        "POST",
        &format!("/element/{q}/value"),
        Some(json!({"text": "отсрочка\u{E007}"})),
    );
    let marked = b.wait_text("table.kwic mark");
    assert!(
        marked.to_lowercase().starts_with("отсрочк"),
        "`{marked}` on {}",
        b.url()
    );
    assert!(
        b.url().contains("q="),
        "the form was submitted: {}",
        b.url()
    );

    // Open the transcript at the first hit: the sentence is marked.
    let link = b.wait("table.kwic td.doc a");
    b.click(&link);
    let here = b.wait_text(".s.here");
    assert!(here.to_lowercase().contains("отсрочк"), "{here}");
    assert!(b.url().contains("/transcripts/"), "{}", b.url());
    // The hit sentence carries its own code's stripe (one per code, drawn under the sentence).
    let coded = b.wait(".s.here.coded");
    let stripe = b.css(&coded, "background-image");
    assert!(
        stripe.contains("linear-gradient"),
        "coding stripe: `{stripe}`"
    );

    // Pin the first candidate on the payment terms board.
    b.go(&format!("{base}/quotes/payment_terms"));
    let button = b.wait("form[action$='/pin'] button");
    b.click(&button);
    let pinned = b.wait_text(".quote.pinned blockquote");
    assert!(pinned.chars().count() > 10, "{pinned}");
    let pins = std::fs::read_to_string(study.join(".citata/pins.toml")).expect("pins written");
    assert!(pins.contains("param = \"payment_terms\""), "{pins}");
}

fn http_ready(port: u16) -> Option<()> {
    TcpStream::connect(("127.0.0.1", port)).ok()?;
    (http(port, "GET", "/status", None)["value"]["ready"] == true).then_some(())
}

/// A coder corrects the machine in the browser: clicks a sentence, rejects its coding (the
/// name is typed once and remembered), selects a span with the mouse and adds a code to it,
/// takes the rejection back; `citata tag` reads what was decided.
#[test]
fn a_coder_rejects_and_adds_codings_in_the_browser() {
    let Some(served) = serve() else {
        return;
    };
    let (b, base, study) = (&served.b, &served.base, &served.study);
    b.go(&format!("{base}/transcripts/zakupki.txt"));
    let sentence =
        "//span[contains(concat(' ', @class, ' '), ' s ') and contains(., 'отсрочка у нас')]";
    let s = b.wait_by("xpath", sentence);
    assert!(
        b.property(&s, "title").contains("Условия оплаты"),
        "{}",
        b.property(&s, "title")
    );
    // A click on the sentence opens its coding panel.
    b.click(&s);
    b.wait_url("at=");
    let panel = b.wait_text("#decide");
    assert!(panel.contains("Кодирование предложения"), "{panel}");
    let coder = b.wait("#decide input[name=coder]");
    b.type_in(&coder, "Анна К.");
    b.click(&b.wait("#decide li[data-code=payment_terms] button[value='reject:payment_terms']"));
    // Back on the sentence: the coding is rejected, its stripe gone, the name remembered.
    b.wait("#decide li.rejected[data-code=payment_terms]");
    let s = b.wait_by("xpath", sentence);
    assert!(!b.property(&s, "title").contains("Условия оплаты"));
    assert_eq!(
        b.property(&b.wait("#decide input[name=coder]"), "value"),
        "Анна К."
    );
    let file = std::fs::read_to_string(study.join("decisions.tsv")).expect("decisions written");
    assert!(file.contains("reject\tzakupki.txt\t"), "{file}");
    assert!(file.contains("\tpayment_terms\tАнна К.\t"), "{file}");

    // A span selected with the mouse (after an emoji: offsets are code points, not UTF-16).
    b.script(
        "var s=[...document.querySelectorAll('.s')].find(e=>e.textContent.includes('склад заработал'));\
         var t=s.firstChild, i=t.data.indexOf('склад заработал');\
         var r=document.createRange(); r.setStart(t,i); r.setEnd(t,i+'склад заработал'.length);\
         var sel=window.getSelection(); sel.removeAllRanges(); sel.addRange(r);\
         s.dispatchEvent(new MouseEvent('mouseup',{bubbles:true}));",
    );
    b.wait_url("to=");
    let panel = b.wait_text("#decide");
    assert!(
        panel.contains("Кодирование фрагмента «склад заработал»"),
        "{panel}"
    );
    b.click(&b.wait("#decide select[name=param] option[value=logistics]"));
    b.click(&b.wait("#decide button[value=add]"));
    b.wait("#decide li[data-code=logistics]");
    let file = std::fs::read_to_string(study.join("decisions.tsv")).unwrap();
    assert!(
        file.lines().any(|l| l.starts_with("add\tzakupki.txt\t")
            && l.contains("\tlogistics\tАнна К.\t")
            && l.ends_with("\tсклад заработал")),
        "{file}"
    );

    // `citata tag` reads the decisions: the added coding is the coder's.
    let tag = std::process::Command::new(env!("CARGO_BIN_EXE_citata"))
        .args(["tag", "--format", "ndjson", "-q"])
        .arg(study)
        .output()
        .unwrap();
    let rows = String::from_utf8_lossy(&tag.stdout);
    assert!(
        rows.lines().any(|l| l.contains("\"param\":\"logistics\"")
            && l.contains("\"source\":\"human\"")
            && l.contains("Анна К.")),
        "{rows}"
    );
    assert!(
        !rows
            .lines()
            .any(|l| l.contains("\"param\":\"payment_terms\"") && l.contains("отсрочка у нас")),
        "{rows}"
    );

    // The search page lists the coders' codings alone («ручное кодирование»).
    b.go(&format!("{base}/search?source=human"));
    let list = b.wait_text(".paras");
    assert!(list.contains("склад заработал"), "{list}");
    assert!(!list.contains("отсрочка у нас"), "{list}");
    let boxed = b.wait("input[name=source][value=human]");
    assert_eq!(
        b.call("GET", &format!("/element/{boxed}/property/checked"), None),
        json!(true)
    );

    // The rejection taken back: the coding is there again.
    b.go(&format!("{base}/transcripts/zakupki.txt"));
    b.click(&b.wait_by("xpath", sentence));
    b.wait("#decide li.rejected[data-code=payment_terms]");
    b.click(&b.wait("#decide li.rejected button[value^='undo:']"));
    b.wait("#decide li[data-code=payment_terms]:not(.rejected)");
    let s = b.wait_by("xpath", sentence);
    assert!(b.property(&s, "title").contains("Условия оплаты"));
    let _ = &served.dir;
}

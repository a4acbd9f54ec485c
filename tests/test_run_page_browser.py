"""The run page as users see it first: headless Chromium opens ``RUN/index.html`` from
``file://``. Every picture on it decodes (``naturalWidth > 0``), every link resolves to a
file or folder of the run, the loss plot, every sample grid and any other plot in the run
folder are shown, and no URL leads out of the run folder (no absolute path, no ``..``, no
``http(s)``), so the folder can be copied or zipped and still opens.

Skipped where no Chromium is installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pytest
from PIL import Image
from toy_runs import RESUME, toy_config

from i2i.images import save_image_atomic
from i2i.training.callbacks import Callback, default_callbacks
from i2i.training.loop import train

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine "
                                "(Debian: apt-get install chromium)")

# Appended to a copy of the page: once everything has loaded, report what the browser made
# of each picture and link.
PROBE = """<script>
window.addEventListener('load', () => {
  const report = {
    images: [...document.images].map(i => ({url: i.src, width: i.naturalWidth})),
    links: [...document.querySelectorAll('a[href]')].map(a => ({url: a.href})),
  };
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
});
</script>
"""
# A plot another callback (a plugin) leaves in the run folder; the page shows every *.png
# there. '%' and '#' would break an unencoded URL.
EXTRA_PLOT = "fid 50% #1.png"


class ExtraPlot(Callback):
    def on_epoch_end(self, ctx):
        save_image_atomic(Image.new("RGB", (40, 30), (200, 30, 30)), ctx.run_dir / EXTRA_PLOT)


class Urls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    trackers = ["train.log=[tensorboard]"] if importlib.util.find_spec("tensorboard") else []
    # 4 steps an epoch: the page is written at the start, after epoch 1 and at step 5
    cfg = toy_config("cyclegan", out, "page", 5, *RESUME, "train.sample_every=2", *trackers)
    callbacks = default_callbacks(False, extra=[ExtraPlot()])
    train(cfg, out / "page", callbacks=callbacks, show_progress=False)
    return out / "page"


def browser_report(run: Path) -> dict:
    probe = run / "probe.html"
    probe.write_text((run / "index.html").read_text() + PROBE)
    try:
        proc = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                               "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                              capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    found = re.search(r"<pre id=\"probe\">(.*?)</pre>", proc.stdout, re.S)
    assert found, f"the page did not load in chromium: {proc.stderr[-1500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def inside(run: Path, url: str) -> Path:
    """The file a browser-resolved file:// URL names; it must lie inside the run."""
    parsed = urlparse(url)
    assert parsed.scheme == "file", url
    path = Path(url2pathname(parsed.path))
    assert path.resolve().is_relative_to(run.resolve()), f"{url} leads out of the run"
    assert path.exists(), f"{url} names nothing"
    return path


def test_every_url_on_the_page_is_relative_and_stays_in_the_run_folder(run):
    parser = Urls()
    parser.feed((run / "index.html").read_text())
    assert parser.urls
    for url in parser.urls:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc, url  # no http(s), file: or //host
        assert not url.startswith(("/", "\\")), url
        assert ".." not in unquote(parsed.path).split("/"), url
        assert (run / unquote(parsed.path)).exists(), url


def test_in_chromium_every_picture_decodes_and_every_link_opens_inside_the_run(run):
    report = browser_report(run)
    shown = {}
    for image in report["images"]:
        path = inside(run, image["url"])
        assert image["width"] > 0, f"{path.name} did not decode in the browser"
        assert image["width"] == Image.open(path).width
        shown[path.relative_to(run).as_posix()] = image["width"]
    samples = {p.relative_to(run).as_posix() for p in (run / "samples").glob("*.png")}
    assert samples == {"samples/step_0000002.png", "samples/step_0000004.png",
                       "samples/step_0000005.png"}
    assert set(shown) == {"loss.png", EXTRA_PLOT} | samples
    linked = {inside(run, link["url"]).relative_to(run).as_posix() for link in report["links"]}
    expected = {"config.yaml", "log.jsonl"}
    if (run / "tensorboard").is_dir():
        expected.add("tensorboard")
    assert linked == expected

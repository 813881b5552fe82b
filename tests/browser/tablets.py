"""Tablets for the scenarios written once and run in both engines.

`Tablet` is what a scenario may do with a tablet, in an inspector's terms: buttons, links
and fields are found by the words on them, and every expectation waits for the app to
catch up. Two engines implement it: Chromium through Playwright, and WebKit, the engine of
every browser on an iPad, through Debian's WebKitGTK (WebKitWebDriver driven by Selenium,
under Xvfb). WebKit has no network emulation: it goes offline by stopping the live server.
"""

from pathlib import Path

from playwright.sync_api import expect

from otto.demo import DEMO_PASSWORD

WAIT = 20  # seconds an expectation waits for the app before it fails
VIEWPORT = {"width": 1000, "height": 1300}

# Every photo record in the app's IndexedDB (state pending: captured here, not yet sent),
# with the form its bytes are stored in and whether they still hash to the photo's id.
STORED_PHOTOS = """async () => {
    const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('otto-field');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
    });
    const photos = await new Promise((resolve, reject) => {
        const read = db.transaction('photos').objectStore('photos').getAll();
        read.onsuccess = () => resolve(read.result);
        read.onerror = () => reject(read.error);
    });
    db.close();
    const form = (value) => Object.prototype.toString.call(value).slice(8, -1);
    const hex = async (bytes) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
        .map((b) => b.toString(16).padStart(2, '0')).join('');
    return Promise.all(photos.map(async (photo) => ({
        state: photo.state,
        type: photo.type,
        data: form(photo.data),
        thumb: form(photo.thumb),
        intact: photo.data instanceof ArrayBuffer && (await hex(photo.data)) === photo.sha256,
    })));
}"""

IMAGE_SHOWN = """(alt) => [...document.images].some(
    (image) => image.alt === alt && image.complete && image.naturalWidth > 0)"""


class Tablet:
    """What a scenario does with a tablet; each engine implements the primitives."""

    engine: str

    def __init__(self, server):
        self.server = server

    # Primitives -------------------------------------------------------------------------
    def open(self, path: str):
        """Go to a page of the live server."""
        raise NotImplementedError

    def reload(self):
        raise NotImplementedError

    def back(self):
        raise NotImplementedError

    def click(self, role: str, name: str, within: str | None = None):
        """Click a button (its whole text is `name`) or a link (its text contains `name`)."""
        raise NotImplementedError

    def tap(self, selector: str):
        """Click the element at CSS `selector` (a link to one place, the sync badge)."""
        raise NotImplementedError

    def choose(self, label: str, within: str):
        """Check the radio button or checkbox labelled `label` inside `within` (CSS)."""
        raise NotImplementedError

    def fill(self, label: str, text: str):
        """Type into the field labelled `label`, then leave it."""
        raise NotImplementedError

    def attach(self, label: str, paths: list[Path]):
        """Pick files in the file input labelled `label`."""
        raise NotImplementedError

    def draw_signature(self):
        """Draw a zigzag on the signature canvas with the pointer."""
        raise NotImplementedError

    def see(self, text: str, within: str | None = None):
        """Wait until a visible element shows `text`."""
        raise NotImplementedError

    def see_no(self, text: str, within: str | None = None):
        """Wait until no visible element shows `text`."""
        raise NotImplementedError

    def see_value(self, label: str, value: str):
        """Wait until the field labelled `label` holds `value`."""
        raise NotImplementedError

    def see_checked(self, label: str, within: str):
        """Wait until the radio button or checkbox labelled `label` is checked."""
        raise NotImplementedError

    def wait_for(self, function: str, arg=None):
        """Wait until the JavaScript `function(arg)` returns something truthy."""
        raise NotImplementedError

    def evaluate(self, function: str):
        """The JSON result of the async JavaScript `function()` run in the page."""
        raise NotImplementedError

    def offline(self):
        raise NotImplementedError

    def online(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    # Built on them ----------------------------------------------------------------------
    def sign_in(self, username: str):
        """Sign in to the field app; wait for the first sync and for the service worker."""
        self.open("/app/")
        self.fill("Användarnamn", username)
        self.fill("Lösenord", DEMO_PASSWORD)
        self.click("button", "Logga in")
        self.see("Mina besök")
        self.wait_for("() => navigator.serviceWorker.controller !== null")

    def see_image(self, alt: str):
        """Wait until the picture described `alt` is shown (its bytes were found and decoded)."""
        self.wait_for(IMAGE_SHOWN, alt)

    def stored_photos(self) -> list[dict]:
        return self.evaluate(STORED_PHOTOS)


class ChromiumTablet(Tablet):
    """A fresh Playwright context in the session's Chromium."""

    engine = "chromium"

    def __init__(self, browser, server):
        super().__init__(server)
        self.context = browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", viewport=VIEWPORT
        )
        self.page = self.context.new_page()

    def _scope(self, within):
        return self.page.locator(within) if within else self.page

    def open(self, path):
        self.page.goto(self.server.url + path)

    def reload(self):
        self.page.reload()

    def back(self):
        self.page.go_back()

    def click(self, role, name, within=None):
        self._scope(within).get_by_role(role, name=name, exact=role == "button").click()

    def tap(self, selector):
        self.page.locator(selector).click()

    def choose(self, label, within):
        self.page.locator(within).get_by_label(label, exact=True).check()

    def fill(self, label, text):
        field = self.page.get_by_label(label, exact=True)
        field.fill(text)
        field.press("Tab")

    def attach(self, label, paths):
        self.page.get_by_label(label, exact=True).set_input_files(paths)

    def draw_signature(self):
        box = self.page.locator("canvas.signature-canvas").bounding_box()
        x, y = box["x"] + 40, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        for step in range(1, 12):
            self.page.mouse.move(x + step * 25, y + (20 if step % 2 else -20), steps=3)
        self.page.mouse.up()

    def see(self, text, within=None):
        expect(self._scope(within).get_by_text(text).first).to_be_visible(timeout=WAIT * 1000)

    def see_no(self, text, within=None):
        expect(self._scope(within).get_by_text(text)).to_have_count(0, timeout=WAIT * 1000)

    def see_value(self, label, value):
        expect(self.page.get_by_label(label, exact=True)).to_have_value(value)

    def see_checked(self, label, within):
        expect(self.page.locator(within).get_by_label(label, exact=True)).to_be_checked()

    def wait_for(self, function, arg=None):
        self.page.wait_for_function(function, arg=arg, timeout=WAIT * 1000)

    def evaluate(self, function):
        return self.page.evaluate(function)

    def offline(self):
        self.context.set_offline(True)

    def online(self):
        self.context.set_offline(False)

    def close(self):
        self.context.close()

"""Tablets for the scenarios written once and run in both engines.

`Tablet` is what a scenario may do with a tablet, in an inspector's terms: buttons, links
and fields are found by the words on them, and every expectation waits for the app to
catch up. Two engines implement it: Chromium through Playwright, and WebKit, the engine of
every browser on an iPad, through Debian's WebKitGTK (WebKitWebDriver driven by Selenium,
under Xvfb). WebKit has no network emulation: it goes offline by stopping the live server.
"""

import os
from pathlib import Path

from playwright.sync_api import expect
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.support.wait import WebDriverWait

from otto.demo import DEMO_PASSWORD

WAIT = 20  # seconds an expectation waits for the app before it fails
VIEWPORT = {"width": 1000, "height": 1300}
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"

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


def _quoted(text: str) -> str:
    """`text` as an XPath string literal."""
    assert '"' not in text, text
    return f'"{text}"'


def _showing(text: str) -> str:
    """XPath (relative): the innermost elements whose text contains `text`."""
    has = f"contains(normalize-space(.), {_quoted(text)})"
    return f".//*[{has}][not(*[{has}])]"


class WebKitTablet(Tablet):
    """A fresh WebKitGTK (MiniBrowser) session through WebKitWebDriver on `display`."""

    engine = "webkit"

    def __init__(self, display, server):
        super().__init__(server)
        self.is_offline = False
        options = webdriver.WebKitGTKOptions()  # the driver starts its own MiniBrowser
        self.service = webdriver.WebKitGTKService(
            executable_path=WEBKIT_DRIVER, env={**os.environ, "DISPLAY": display}
        )
        self.service.start()
        # webdriver.WebKitGTK would pass the address the way Selenium itself deprecates. A
        # browser that cannot start (no Mesa GL drivers: "Could not create surfaceless EGL
        # display") leaves the driver silent: the timeout turns that into a failure.
        connection = RemoteConnection(
            client_config=ClientConfig(remote_server_addr=self.service.service_url, timeout=120)
        )
        try:
            self.driver = webdriver.Remote(command_executor=connection, options=options)
        except Exception:
            self.service.stop()
            raise
        self.driver.file_detector = UselessFileDetector()  # the browser reads the files itself
        self.driver.set_window_size(VIEWPORT["width"], VIEWPORT["height"])

    def _until(self, condition, message):
        """Wait until `condition()` is truthy; elements replaced by a re-render are retried."""
        return WebDriverWait(
            self.driver, WAIT, ignored_exceptions=[StaleElementReferenceException]
        ).until(lambda _: condition(), message)

    def _visible(self, xpath, within=None):
        """The first visible element at `xpath` (relative to `within`, CSS), or None."""
        scopes = self.driver.find_elements(By.CSS_SELECTOR, within) if within else [self.driver]
        for scope in scopes:
            for element in scope.find_elements(By.XPATH, xpath):
                if element.is_displayed():
                    return element
        return None

    def _press(self, element):
        """Click `element` in mid-screen, clear of the sticky header."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def _field(self, label):
        """The input a <label for> names; a file input may be visually hidden."""

        def find():
            for element in self.driver.find_elements(
                By.XPATH, f"//label[normalize-space(.)={_quoted(label)}]"
            ):
                target = element.get_attribute("for")
                if target and element.is_displayed():
                    return self.driver.find_element(By.ID, target)
            return None

        return self._until(find, f"no field labelled {label!r}")

    def open(self, path):
        self.driver.get(self.server.url + path)

    def reload(self):
        self.driver.refresh()

    def back(self):
        self.driver.back()

    def click(self, role, name, within=None):
        xpath = (
            f".//button[normalize-space(.)={_quoted(name)}]"
            if role == "button"
            else f".//a[contains(normalize-space(.), {_quoted(name)})]"
        )

        def clicked():
            element = self._visible(xpath, within)
            if element is None or not element.is_enabled():
                return False
            self._press(element)
            return True

        self._until(clicked, f"no {role} {name!r}")

    def tap(self, selector):
        def tapped():
            for element in self.driver.find_elements(By.CSS_SELECTOR, selector):
                if element.is_displayed():
                    self._press(element)
                    return True
            return False

        self._until(tapped, f"nothing to tap at {selector!r}")

    def choose(self, label, within):
        xpath = f".//label[normalize-space(.)={_quoted(label)}]"

        def chosen():  # a click lost in a re-render is clicked again
            element = self._visible(xpath, within)
            if element is None:
                return False
            if element.find_element(By.TAG_NAME, "input").is_selected():
                return True
            self._press(element)
            return False

        self._until(chosen, f"no choice {label!r}")

    def fill(self, label, text):
        def typed():  # typed again into a field a re-render replaced
            field = self._field(label)
            field.clear()
            field.send_keys(text + Keys.TAB)
            return True

        self._until(typed, f"could not type into {label!r}")

    def attach(self, label, paths):
        self._field(label).send_keys("\n".join(str(path) for path in paths))

    def draw_signature(self):
        canvas = self._until(lambda: self._visible("//canvas"), "no signature canvas")
        width = canvas.size["width"]
        strokes = ActionChains(self.driver)
        strokes.move_to_element_with_offset(canvas, 40 - width // 2, 0).click_and_hold()
        for step in range(1, 12):
            strokes.move_by_offset(25, 40 if step % 2 else -40)
        strokes.release().perform()

    def see(self, text, within=None):
        self._until(lambda: self._visible(_showing(text), within), f"{text!r} not shown")

    def see_no(self, text, within=None):
        self._until(lambda: self._visible(_showing(text), within) is None, f"{text!r} shown")

    def see_value(self, label, value):
        self._until(
            lambda: self._field(label).get_property("value") == value, f"{label!r} is not {value!r}"
        )

    def see_checked(self, label, within):
        xpath = f".//label[normalize-space(.)={_quoted(label)}]//input"
        self._until(
            lambda: (choice := self._visible(xpath, within)) and choice.is_selected(),
            f"{label!r} not checked",
        )

    def wait_for(self, function, arg=None):
        self._until(
            lambda: self.driver.execute_script(f"return ({function})(arguments[0])", arg),
            f"never true: {function}",
        )

    def evaluate(self, function):
        return self.driver.execute_async_script(
            f"const done = arguments[arguments.length - 1];"
            f"({function})().then(done, (error) => done({{error: String(error)}}));"
        )

    def offline(self):
        self.server.stop()
        self.is_offline = True

    def online(self):
        self.server.start()
        self.is_offline = False

    def close(self):
        if self.is_offline:  # a failed scenario leaves the server up for the next test
            self.online()
        try:
            self.driver.quit()
        except WebDriverException:
            pass  # the browser is already gone
        self.service.stop()

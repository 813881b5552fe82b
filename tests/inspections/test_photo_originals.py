"""An original photo carries the camera's EXIF location: only the uploader's agency and the
coordinators get it; another agency that may see the photo gets the clean report copy."""

import io

import pytest
from PIL import ExifTags, Image

from tests.inspections.test_photos import (
    bearer,
    download,
    encode,
    exif_with,
    link,
    put_photo,
    sha,
)


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


@pytest.fixture
def shared_photo(client, make_user, make_visit):
    """A photo with GPS taken by a miljö inspector and linked jointly on a visit with a
    second miljö inspector and a police inspector; device headers by who they are."""
    coordinator = make_user(role="coordinator")
    miljo, colleague, polis = (make_user(agency=a) for a in ("miljo", "miljo", "polis"))
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, colleague, polis])
    headers = {
        "uploader": bearer(miljo),
        "colleague": bearer(colleague),
        "polis": bearer(polis),
        "coordinator": bearer(coordinator),
    }
    data = encode(Image.new("RGB", (300, 200), "white"), exif=exif_with())
    assert gps_of(data), "the test photo carries a location"
    assert put_photo(client, headers["uploader"], data).status_code == 201
    response = link(client, headers["uploader"], visit.id, sha(data))  # miljö: joint
    assert response.status_code == 201, response.json
    return {"data": data, "headers": headers, "visit": visit}


@pytest.mark.parametrize("who", ["uploader", "colleague", "coordinator"])
def test_the_owning_agency_and_coordinators_get_the_original(client, shared_photo, who):
    data = shared_photo["data"]
    response = download(
        client, f"/api/photos/{sha(data)}?size=original", headers=shared_photo["headers"][who]
    )
    assert response.status_code == 200
    assert response.data == data and gps_of(response.data)


def test_another_agency_gets_the_clean_copy_without_the_location(client, shared_photo):
    data = shared_photo["data"]
    url = f"/api/photos/{sha(data)}"
    polis = shared_photo["headers"]["polis"]
    response = download(client, f"{url}?size=original", headers=polis)
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data != data and gps_of(response.data) == {}
    assert response.data == download(client, f"{url}?size=report", headers=polis).data
    assert response.headers["ETag"].strip('"').endswith(".report")


def test_linking_the_photo_to_ones_own_item_grants_no_original(client, shared_photo):
    data = shared_photo["data"]
    polis = shared_photo["headers"]["polis"]
    own = link(client, polis, shared_photo["visit"].id, sha(data))  # polis: agency
    assert own.status_code == 201, own.json
    response = download(client, f"/api/photos/{sha(data)}?size=original", headers=polis)
    assert gps_of(response.data) == {}

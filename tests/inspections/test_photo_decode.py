"""Photo decode memory is bounded (issue 21): a PNG or WebP is decoded at full size, so one
over limits.PHOTO_DECODE_PIXELS is refused from its header with a Swedish 413 naming the
budget (a 7000 × 7000 PNG had taken the server from ~190 MB to ~960 MB); a JPEG is scaled
while decoded and keeps the whole MAX_PHOTO_PIXELS; 12-megapixel photos still work."""

import pytest
from PIL import Image

from otto import limits
from tests.inspections.test_photos import bearer, download, encode, huge_png, put_photo, sha
from tests.test_errors import assert_error


@pytest.fixture
def inspector(make_user):
    return bearer(make_user(agency="miljo"))


def test_a_7000_by_7000_png_is_refused_from_its_header_naming_the_budget(app, client, inspector):
    assert 7000 * 7000 <= app.config["MAX_PHOTO_PIXELS"]  # within the general pixel limit
    data = huge_png(7000, 7000)
    body = assert_error(
        put_photo(client, inspector, data, content_type="image/png"), 413, "image_too_large"
    )
    assert body["details"] == {
        "width": 7000,
        "height": 7000,
        "max_pixels": limits.PHOTO_DECODE_PIXELS,
    }
    assert body["message"] == (
        "Bilden har för många pixlar (högst 16 miljoner pixlar). "
        "Ta en JPEG-bild eller minska bilden."
    )


def test_a_png_at_the_budget_is_accepted(client, inspector):
    data = huge_png(4000, limits.PHOTO_DECODE_PIXELS // 4000)
    response = put_photo(client, inspector, data, content_type="image/png")
    assert response.status_code == 201, response.json


def test_a_12_megapixel_photo_works_as_jpeg_and_as_transparent_png(client, inspector):
    scene = Image.linear_gradient("L").resize((4000, 3000))
    jpeg = encode(Image.merge("RGB", (scene, scene, scene)), "JPEG", quality=80)
    png = encode(Image.merge("RGBA", (scene, scene, scene, scene)), "PNG", compress_level=1)
    for data, media_type in ((jpeg, "image/jpeg"), (png, "image/png")):
        response = put_photo(client, inspector, data, content_type=media_type)
        assert response.status_code == 201, response.json
        assert (response.json["width"], response.json["height"]) == (4000, 3000)
        thumb = download(client, f"/api/photos/{sha(data)}?size=report", headers=inspector)
        assert thumb.status_code == 200

"""Photos API: content-addressed photo bytes (HEAD, PUT, GET /photos/<sha256>) and the photo
links of a visit.

HEAD and GET of one photo answer different questions (does the server hold these bytes; may I
see them), so `/photos/<sha256>` is a MethodView with its own `head`. The PUT body is the raw
image, streamed to disk by the service rather than read whole.
"""

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from otto.api import Blueprint, committed
from otto.errors import Invalid, NotFound
from otto.inspections import photos
from otto.inspections.photo_schemas import (
    LinkedPhotoSchema,
    NewPhotoLinkSchema,
    PhotoLinkSchema,
    PhotoQuerySchema,
    PhotoSchema,
)
from otto.inspections.photo_storage import storage_from_config

blp = Blueprint("photos", __name__, url_prefix="/api", description="Photos")


def _binary(*media_types) -> dict:
    return {
        media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types
    }


RAW_IMAGE_BODY = {
    "required": True,
    "description": "The photo's original bytes, exactly those the SHA-256 names.",
    "content": _binary("image/jpeg", "image/png", "image/webp", "application/octet-stream"),
}
IMAGE_RESPONSE = {
    "200": {
        "description": "The image: JPEG for thumb and report, as uploaded for original.",
        "content": _binary("image/jpeg", "image/png", "image/webp"),
    }
}


def _storage():
    return storage_from_config(current_app.config)


def _require_raw_image() -> None:
    """Refuse bodies not sent as raw image bytes (a form upload, JSON)."""
    if not request.mimetype.startswith("image/") and request.mimetype != "application/octet-stream":
        raise Invalid(
            "Send the photo's bytes as the raw request body, with Content-Type image/jpeg, "
            "image/png or image/webp.",
            {"content_type": request.mimetype},
            code="image_required",
        )


@blp.route("/photos/<sha256>")
class PhotoBytes(MethodView):
    """One photo, named by the SHA-256 of its original bytes."""

    @blp.auth()
    @blp.response(200, description="The server holds the bytes (404 when it does not).")
    def head(self, sha256, actor):
        """200 when the server holds this photo's bytes AND you may use them (you uploaded
        them or may download the photo); 404 otherwise, alike for a photo the server lacks
        and one you may not use: upload the bytes then, which proves you hold them."""
        if not committed(photos.may_use_photo(actor.user, sha256, _storage())):
            # The one error shape (a JSON 404 whose body HEAD leaves out), as documented.
            raise NotFound("The server does not hold this photo's bytes.", code="photo_missing")
        return Response(status=200)

    @blp.auth()
    @blp.doc(requestBody=RAW_IMAGE_BODY)
    @blp.response(201, PhotoSchema, description="Stored.")
    @blp.alt_response(200, schema=PhotoSchema, description="The server had these bytes already.")
    def put(self, sha256, actor):
        """Upload a photo's original bytes (JPEG, PNG or WebP) as the raw request body."""
        _require_raw_image()
        request.max_content_length = None  # MAX_PHOTO_BYTES applies, with its own error code
        photo, created = photos.ingest_photo(
            actor,
            sha256,
            request.stream,
            storage=_storage(),
            max_bytes=current_app.config["MAX_PHOTO_BYTES"],
            max_pixels=current_app.config["MAX_PHOTO_PIXELS"],
            declared_size=request.content_length,
        )
        return committed(photo), 201 if created else 200

    @blp.auth()
    @blp.arguments(PhotoQuerySchema, location="query")
    @blp.doc(responses=IMAGE_RESPONSE)
    def get(self, query, sha256, actor):
        """One size of a photo you may see: thumb, report (the default) or original. The
        original, with its EXIF location, only to coordinators and the uploader's agency;
        others asking for it get the report copy."""
        file, media_type, size = photos.photo_file(actor.user, sha256, query["size"], _storage())
        response = send_file(file, mimetype=media_type, etag=f"{sha256}.{size}")
        response.cache_control.private = True  # with no-cache: access is checked every time
        return committed(response)


@blp.get("/visits/<visit_id>/photo-links")
@blp.auth()
@blp.response(200, LinkedPhotoSchema(many=True))
def list_photo_links(visit_id, actor):
    """The photos of a visit that you may see; `pending` until their bytes arrive."""
    return committed(photos.photo_links(actor.user, visit_id))


@blp.post("/visits/<visit_id>/photo-links")
@blp.auth()
@blp.arguments(NewPhotoLinkSchema)
@blp.response(201, PhotoLinkSchema)
def link_photo(data, visit_id, actor):
    """Attach a photo, by its SHA-256, to the visit, a finding or a question of yours."""
    return committed(photos.link_photo(actor, visit_id=visit_id, **data))


@blp.delete("/photo-links/<link_id>")
@blp.auth()
@blp.response(200, PhotoLinkSchema)
def unlink_photo(link_id, actor):
    """Remove a photo from the dossier (a tombstone is kept; the bytes stay)."""
    return committed(photos.unlink_photo(actor, link_id))

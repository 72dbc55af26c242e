"""C2PA-signed test media: a throwaway certificate authority made on the spot, signing with c2pa-python's
``Builder``, and the damage a file meets after signing. For tests and benchmarks; nothing here touches a network
(no time-stamp authority: ``issued`` stays null).

    ca = make_ca("Throwaway Root")                       # root + one signing certificate (ES256, P-256)
    sign(src, out, ca, source_type="digitalCapture")     # a camera-style capture (c2pa.created)
    sign(src, out, ca, source_type="trainedAlgorithmicMedia")               # an AI-labelled clip
    sign(edit, out, ca, actions=("c2pa.edited",), ingredient=signed_src)    # an edit with its ingredient
    flip_media_byte(signed, out)   # content changed after signing (hash mismatch)
    flip_manifest_byte(signed, out)  # the manifest itself changed

The signing certificate is what C2PA asks of one: X.509 v3, not a CA, key usage digitalSignature (critical),
extended key usage emailProtection, issued by a CA certificate (basicConstraints CA, keyCertSign); the root's
PEM (``ca.root_pem``) is what ``--trust-anchors`` takes.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import VidverifyError
from ..media.ffmpeg import SAFE_INPUT_OPTIONS, run

PathLike = str | os.PathLike[str]
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
INGREDIENT_LABEL = "ingredient-1"
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
MIME = {".mp4": "video/mp4", ".mov": "video/quicktime", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
        ".png": "image/png", ".webp": "image/webp", ".heic": "image/heic", ".avif": "image/avif",
        ".wav": "audio/wav", ".gif": "image/gif", ".tif": "image/tiff"}


@dataclass(frozen=True)
class TestCA:
    """A root certificate and one signing certificate under it (PEM), with the signing key."""

    __test__ = False  # not a pytest class
    root_pem: bytes
    chain_pem: bytes  # the signing certificate, then the root
    key_pem: bytes
    organization: str | None
    common_name: str

    def write_root(self, path: PathLike) -> Path:
        """The root certificate as a PEM file (``--trust-anchors``)."""
        Path(path).write_bytes(self.root_pem)
        return Path(path)


def make_ca(root_name: str = "Throwaway Root", *, organization: str | None = "Example Camera Co",
            common_name: str = "Example signer", days: int = 30) -> TestCA:
    """A new root CA and a C2PA signing certificate under it (P-256 keys, ES256)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str, org: str | None) -> x509.Name:
        parts = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        if org:
            parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        return x509.Name(parts)

    def usage(sign: bool, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name_x = name(root_name, root_name)
    valid = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=days))
    root = (x509.CertificateBuilder().subject_name(root_name_x).issuer_name(root_name_x)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid[0]).not_valid_after(valid[1])
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage(False, True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name(common_name, organization)).issuer_name(root_name_x)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid[0]).not_valid_after(valid[1])
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(True, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return TestCA(root_pem=root.public_bytes(pem), chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
                  key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
                  organization=organization, common_name=common_name)


def _mime(path: Path) -> str:
    try:
        return MIME[path.suffix.lower()]
    except KeyError as exc:
        raise VidverifyError(f"sign: no C2PA media type known for {path.name}") from exc


def manifest_definition(*, title: str, source_type: str | None, actions: tuple[str, ...], generator: str,
                        when: str | None = None, exif: dict[str, Any] | None = None,
                        ingredient: str | None = None) -> dict[str, Any]:
    """A manifest definition for ``Builder``: the actions (``c2pa.created`` carries ``source_type`` and
    ``when``; ``c2pa.opened`` names the ``ingredient`` label), an EXIF assertion when given."""
    listed = []
    for action in actions:
        entry: dict[str, Any] = {"action": action}
        if source_type and action in ("c2pa.created", "c2pa.edited"):
            entry["digitalSourceType"] = IPTC + source_type
        if when and action == "c2pa.created":
            entry["when"] = when
        if ingredient and action in ("c2pa.opened", "c2pa.placed"):
            entry["parameters"] = {"ingredientIds": [ingredient]}
        listed.append(entry)
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions.v2", "data": {"actions": listed}}]
    if exif:
        assertions.append({"label": "stds.exif", "kind": "Json", "data": {
            "@context": {"exif": "http://ns.adobe.com/exif/1.0/"}, **exif}})
    name, _, version = generator.partition(" ")
    return {"claim_generator_info": [{"name": name, "version": version or "1.0"}], "title": title,
            "assertions": assertions}


def sign(src: PathLike, out: PathLike, ca: TestCA, *, source_type: str | None = "digitalCapture",
         actions: tuple[str, ...] = ("c2pa.created",), ingredient: PathLike | None = None,
         generator: str = "vidverify-test 1.0", when: str | None = None,
         exif: dict[str, Any] | None = None) -> Path:
    """Sign ``src`` into ``out`` with ``ca``'s signing certificate. ``ingredient``: a (signed) file this one was
    made from, added as its parentOf ingredient (its manifest then sits in the new store)."""
    import c2pa

    src_p, out_p = Path(src), Path(out)
    mime = _mime(src_p)
    definition = manifest_definition(title=out_p.name, source_type=source_type, actions=actions,
                                     generator=generator, when=when, exif=exif,
                                     ingredient=None if ingredient is None else INGREDIENT_LABEL)
    settings = {"builder": {"thumbnail": {"enabled": False}},
                "verify": {"verify_after_sign": False, "remote_manifest_fetch": False, "ocsp_fetch": False}}
    part = out_p.with_name(out_p.name + ".part")
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, ca.chain_pem, ca.key_pem, None)
    with c2pa.Context.from_dict(settings) as ctx, c2pa.Signer.from_info(info) as signer, \
            c2pa.Builder(definition, ctx) as builder:
        if ingredient is not None:
            ing = Path(ingredient)
            with open(ing, "rb") as fh:
                builder.add_ingredient(json.dumps({"title": ing.name, "relationship": "parentOf",
                                                    "label": INGREDIENT_LABEL}), _mime(ing), fh)
        with open(src_p, "rb") as source, open(part, "w+b") as dest:
            builder.sign(signer, mime, source, dest)
    os.replace(part, out_p)
    return out_p


def still(out: PathLike, *, seed: int = 0, size: tuple[int, int] = (160, 120)) -> Path:
    """A small still image (the format follows the suffix: .jpg, .png, .webp), different for each seed."""
    out_p = Path(out)
    src = f"mandelbrot=size={size[0]}x{size[1]}:start_scale={1.5 + seed * 0.37:.3f}:maxiter=64"
    proc = run(["-y", "-v", "error", *SAFE_INPUT_OPTIONS, "-f", "lavfi", "-i", src, "-frames:v", "1",
                "-update", "1", str(out_p)])
    if proc.returncode != 0 or not out_p.is_file():
        raise VidverifyError(f"still: ffmpeg could not write {out_p.name}")
    return out_p


def manifest_span(path: PathLike) -> tuple[int, int]:
    """(offset, length) of the manifest store's bytes in a signed MP4/MOV (its C2PA ``uuid`` box), JPEG (first
    APP11 segment), PNG (``caBX``) or WebP (``C2PA`` chunk)."""
    data = Path(path).read_bytes()
    if data[4:8] == b"ftyp":
        pos = 0
        while pos + 8 <= len(data):
            n = int.from_bytes(data[pos:pos + 4], "big")
            if data[pos + 4:pos + 8] == b"uuid" and data[pos + 8:pos + 24] == C2PA_UUID:
                return pos, n
            if n < 8:
                break
            pos += n
    if data[:2] == b"\xff\xd8" and (at := data.find(b"\xff\xeb")) > 0:  # APP11: marker, length, payload
        return at + 4, int.from_bytes(data[at + 2:at + 4], "big") - 2
    if data[:4] == b"\x89PNG" and (at := data.find(b"caBX")) > 0:  # length, type, data
        return at + 4, int.from_bytes(data[at - 4:at], "big")
    if data[:4] == b"RIFF" and (at := data.find(b"C2PA", 12)) > 0:  # fourcc, length (little-endian), data
        return at + 8, int.from_bytes(data[at + 4:at + 8], "little")
    raise VidverifyError(f"{Path(path).name}: no C2PA manifest store found")


def flip_manifest_byte(src: PathLike, out: PathLike, *, at: float = 0.6) -> Path:
    """A copy whose manifest store has one byte inverted, ``at`` of the way through it."""
    offset, length = manifest_span(src)
    data = bytearray(Path(src).read_bytes())
    data[offset + int(length * at)] ^= 0xFF
    Path(out).write_bytes(bytes(data))
    return Path(out)


def flip_media_byte(src: PathLike, out: PathLike) -> Path:
    """A copy changed after signing outside the manifest: one byte of the media data inverted (in an MP4's
    ``mdat``; in a still, the middle of the larger stretch before or after the manifest store)."""
    data = bytearray(Path(src).read_bytes())
    start, length = manifest_span(src)
    pos = data.find(b"mdat")
    if data[4:8] == b"ftyp" and pos > 0:
        at = pos + 4 + (len(data) - pos) // 2
    else:
        after = start + length
        at = start // 2 if start > len(data) - after else (after + len(data)) // 2
    if start <= at < start + length:
        raise VidverifyError("flip_media_byte: the chosen byte is inside the manifest")
    data[at] ^= 0xFF
    Path(out).write_bytes(bytes(data))
    return Path(out)


def copy(src: PathLike, out: PathLike) -> Path:
    shutil.copyfile(src, out)
    return Path(out)


__all__ = ["TestCA", "copy", "flip_manifest_byte", "flip_media_byte", "make_ca", "manifest_definition",
           "manifest_span", "sign", "still"]

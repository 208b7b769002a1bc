import gzip

from quotestance.data.raw import CHECKSUMS, NOTICES, RAW_FILES, copy_raw, raw_name, verify_raw


def test_names_gzip_only_uncompressed_data():
    assert (
        raw_name("segmentation-de/de_pud-ud-test.conllu")
        == "segmentation-de/de_pud-ud-test.conllu.gz"
    )
    assert raw_name("quotes-de-wikinews/train.jsonl.gz") == "quotes-de-wikinews/train.jsonl.gz"
    assert raw_name("sentiment-de-gerntsa/LICENSE") == "sentiment-de-gerntsa/LICENSE"
    assert raw_name("seed/000_6649c5ff55181b67.txt") == "seed/000_6649c5ff55181b67.txt"


def test_copy_is_byte_identical_on_rerun_and_verified(tmp_path):
    shared = tmp_path / "shared"
    for name in RAW_FILES:
        path = shared / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".gz"):
            with gzip.open(path, "wt") as f:
                f.write(name)
        else:
            path.write_text(name)
    raw = tmp_path / "raw"
    copy_raw(shared, raw)
    first = (raw / CHECKSUMS).read_text()
    copy_raw(shared, raw)
    assert (raw / CHECKSUMS).read_text() == first  # gzip without timestamps: same bytes
    assert verify_raw(raw) == []
    gz = raw / "segmentation-de" / "de_pud-ud-test.conllu.gz"
    assert gzip.decompress(gz.read_bytes()).decode() == "segmentation-de/de_pud-ud-test.conllu"
    assert all((raw / notice).is_file() for notice in NOTICES)
    (raw / "seed" / "000_6649c5ff55181b67.txt").write_text("edited")
    assert verify_raw(raw) == [
        f"{raw / 'seed' / '000_6649c5ff55181b67.txt'}: checksum differs from {CHECKSUMS} "
        "(raw data must not change)"
    ]

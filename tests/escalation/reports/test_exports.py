"""The CSV writer: spreadsheet-safe text, chunked streaming, quoting. Pure."""

import csv
import io

import pytest

from escalation.reports.exports import BOM, LINES_PER_CHUNK, csv_stream, text_cell

pytestmark = pytest.mark.clock


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ('São Paulo, "Rádio"', 'São Paulo, "Rádio"'),
        ("", ""),
        (None, ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_defused(text, cell):
    assert text_cell(text) == cell


def test_the_stream_is_chunked_quoted_and_reads_back_exactly():
    names = [f'Kunde {i}, "Ärger"\nzweite Zeile' for i in range(LINES_PER_CHUNK * 2 + 3)]
    chunks = list(csv_stream(["n", "name"], ([i, name] for i, name in enumerate(names))))
    assert len(chunks) == 3  # the header and 199 rows, 200 rows, the last 4
    body = "".join(chunks)
    assert body.startswith(BOM + "n,name\r\n")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["n", "name"]
    assert [row[1] for row in rows[1:]] == names

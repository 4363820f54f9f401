"""Tables in text exports → `Table`s and `Fact`s.

Municipal documents reach us as text exports in which a table has lost its
grid. Three shapes occur, and this module reads each one conservatively:

* **Cell per line** (Groningen web exports): header cells such as
  ``Behaald\\n2022`` separated by blank lines, then a row label followed by
  its values, one block per cell. Empty cells are simply *missing*, so a row
  may carry fewer values than there are columns.
* **Cell blocks with stacked sub-rows** (Groningen jaarverslag summary): a
  block ``29%\\n20%`` holds one column of two sub-indicators.
* **Row per line** (Midden-Groningen jaarstukken): ``label v1 v2 v3`` under a
  header line ``Titel 2022 2023 2024``; plus the financial statement
  (``Realisatie 2023 … Verschil 2024``), the BBV table
  (``Naam Indicator Eenheid Peiljaar MG Nederland``) and count tables with
  paired columns per peildatum (``Zorg in Natura 31-12-2020 …``).

Numbers are sacred: a value is only given a year when the layout proves which
column it stands in. When a row has fewer values than columns and the
comparator rule (targets print as ``> 80%``) does not settle it, the fact is
kept with ``ambiguous=True``, ``year=None``, ``column=None`` and
``candidate_years`` (every year of the columns it may stand in) instead of a
guess.

Choices callers should know:

* Status cells (``n.n.b.``, ``n.v.t.``, ``-``, ``*``, ``onbekend``) and text
  cells (``Andere registratie``) occupy a column but produce **no fact**, so
  an answer can never present them as a figure; ``Table.rows`` keeps them.
* Cells with an irregular number form (``2.63%`` in a Dutch table) produce no
  fact either; they are listed in ``skipped``.
* A bare year column (``Indicatoren 2022 2023 2024``) says nothing about
  realised vs. target, so its facts have ``kind="other"``; kind words
  (Behaald, Beoogd, Realisatie, Begroting, Verschil …) set the kind.
* A school-year column (``2022-2023``) is not one year: ``year=None`` and the
  period stays in ``column``.
* ``value`` is the figure as printed; the multiplier lives in ``unit``
  (``x € 1.000`` for ``Bedragen x €1.000``, ``€ mln`` for ``€ 1,2 mln``).
* ``footnote`` holds the footnote line printed below the table
  (``* Betreft per 2023 …``); a mark without a definition under its own
  table stays as the bare mark (``**``) rather than borrowing another's.

Anything that cannot be read reliably goes to ``skipped`` as
``"<table title>: <reason>"``.

The package reads in these steps, one module each:

* extract — the entry point: try each table shape at each line of the stream;
* stream — the sections flattened into one stream of lines;
* headers — header text → columns (kind words, year runs, repeated phrases);
* cells — a line's label and trailing figure cells, and what a label says;
* assign — which column a row's cell stands in, or which it may stand in;
* builder — one table's rows → a `Table` and its `Fact`s;
* footnotes, titles — footnote lines below a table; titles and units above it;
* line_table, bbv_table, paired_table, blocks, block_table — the table shapes;
* orphans — figures outside any table, reported in ``skipped``;
* keys, vocab — matching keys (shared with the PDF reader) and word lists.
"""

from ingest.tables.extract import extract_tables
from ingest.tables.headers import Column, parse_header_text
from ingest.tables.keys import normalise_key

__all__ = ["extract_tables", "normalise_key", "Column", "parse_header_text"]

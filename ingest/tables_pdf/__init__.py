"""Tables and facts from PDF pages, read from pypdf's layout text.

Municipal budgets (Word → PDF) print their figures in a few table families:
the mandatory *beleidsindicatoren* (a year in every cell, a Wassenaar and a
Nederland column), a programme's own *effectindicatoren* (a baseline plus
targets per year) and financial tables ("bedragen x € 1.000", one column per
year, sometimes grouped as baten/lasten/saldo per year). pypdf's layout mode
keeps a row on one text line and keeps the columns in their order, but the
character positions drift by up to ~10 columns and header words that do not
fit their cell are pushed along. So this package trusts *order* and *counts*
far more than positions; each module states the rule it applies:

* extract — the entry point, one region at a time; unreadable tables skipped;
* regions — caption-to-end line runs, across page breaks, and sub-tables;
* scan — one line's label and its trailing run of figure cells;
* header — which lines are the header, and the text columns they name;
* rows — a line of figures with its wrapped label and cell text;
* columns — years and kind words from the header placed over the columns;
* facts — one figure as a citable fact, or ambiguous when it cannot be placed;
* shapes, vocab — the shared data shapes, patterns and word lists.

Numbers are sacred: nothing here ever attributes a value to a year, scope or
indicator that the layout does not clearly give it.
"""

from ingest.tables_pdf.extract import extract_pdf_tables

__all__ = ["extract_pdf_tables"]

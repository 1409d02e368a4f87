#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Reads an XLSX file with openpyxl (Debian python3-openpyxl, a real reader independent of
# libxlsxwriter) and prints every sheet as JSON: {"sheets": [{"name", "rows": [[cell...]]}]},
# each cell null or {"v": value, "t": openpyxl's data type (s text, n number, b bool),
# "f": its number format}. The HTTP suite (tests/http/suites/exports.mjs) compares them.
import json
import sys

import openpyxl


def cell(c):
    if c.value is None:
        return None
    return {"v": c.value, "t": c.data_type, "f": c.number_format}


def main(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[cell(c) for c in row] for row in ws.iter_rows()]
        sheets.append({"name": ws.title, "rows": rows})
    json.dump({"sheets": sheets}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])

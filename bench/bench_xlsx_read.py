"""XLSX readers compared: openpyxl read-only mode against python-calamine on one generated sheet.

    PYTHONPATH=build/dev-NAME/pkg .venv/bin/python bench/bench_xlsx_read.py [rows]   # default 100,000 x 8

Prints the time of each reader to walk every cell of the sheet (best of three) and their ratio,
and the time of crmkit's read_xlsx (which is built on the faster one) over the same file.
"""
import datetime as dt
import os
import sys
import tempfile
import time

import openpyxl
import python_calamine



def make(path, rows):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户名称", "手机", "邮箱", "地区", "金额", "首次成交", "行业", "备注"])
    day = dt.date(2025, 1, 1)
    for i in range(rows):
        ws.append([f"上海某某科技有限公司{i}", 13800000000 + i, f"user{i}@example.cn", "华东", 1234.5 + i,
                   day + dt.timedelta(days=i % 365), "制造", "备注文本"])
    wb.save(path)


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t)
    return min(times), n


def read_openpyxl(path):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return n


def read_calamine(path):
    wb = python_calamine.CalamineWorkbook.from_path(path)
    n = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())
    wb.close()
    return n


def read_crmkit(path):
    from crmkit._xlsx import read_xlsx
    return sum(1 for _ in read_xlsx(path))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.xlsx")
        t = time.perf_counter()
        make(path, rows)
        print(f"wrote {rows:,} rows x 8 columns in {time.perf_counter() - t:.1f} s ({os.path.getsize(path) / 1e6:.1f} MB)")
        t_o, n_o = best(lambda: read_openpyxl(path))
        t_c, n_c = best(lambda: read_calamine(path))
        print(f"openpyxl read-only: {t_o:.2f} s ({n_o:,} rows)")
        print(f"python-calamine:    {t_c:.2f} s ({n_c:,} rows)")
        print(f"calamine is {t_o / t_c:.1f}x faster")
        try:
            t_k, n_k = best(lambda: read_crmkit(path))
            print(f"crmkit read_xlsx:   {t_k:.2f} s ({n_k:,} data rows)")
        except ImportError as e:
            print("crmkit read_xlsx not importable:", e)


if __name__ == "__main__":
    main()

"""Run every benchmark: ``python -m benchmarks``."""

from __future__ import annotations

import asyncio

from benchmarks import (
    bench_bulk,
    bench_fake,
    bench_json,
    bench_recordsets,
    bench_transport,
    bench_webhooks,
)


def main() -> None:
    bench_json.main()
    asyncio.run(bench_transport.main())
    asyncio.run(bench_recordsets.main())
    asyncio.run(bench_bulk.main())
    asyncio.run(bench_webhooks.main())
    asyncio.run(bench_fake.main())


if __name__ == "__main__":
    main()

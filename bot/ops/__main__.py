"""``python -m bot.ops healthcheck``: the container's health check (see bot/ops/heartbeat.py)."""

from bot.ops.heartbeat import healthcheck_main

raise SystemExit(healthcheck_main())

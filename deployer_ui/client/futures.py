"""Typed results of the Deployer's long tasks (futures): progress, and the four reports of a finished update."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer_ui.client.types import HealthMessage, parser
from portal.lib.parsing import ms_to_datetime, number, opt_list, opt_obj, text

REPORT_KEYS = (
    ("prepareSyncReport", "Prepare and sync"),
    ("preloadReport", "Preload"),
    ("activateCheckReport", "Activation check"),
    ("activateReport", "Activate"),
)
_p = parser


@dataclass(frozen=True)
class ReportMessage:
    severity: str
    title: str
    message: str


@dataclass(frozen=True)
class UpdateReport:
    key: str
    label: str
    messages: tuple[ReportMessage, ...] = ()
    success: bool = False
    warning: bool = False
    error: bool = False
    fatal: bool = False

    @property
    def level(self) -> str:
        if self.error or self.fatal:
            return "error"
        if self.warning:
            return "warning"
        return "success" if self.success else "none"

    @classmethod
    def from_json(cls, key: str, label: str, data: Any) -> UpdateReport:
        data = opt_obj(data)
        messages = []
        for item in opt_list(data.get("messages")):
            msg = HealthMessage.from_json(item)
            messages.append(ReportMessage(msg.severity, msg.title, msg.message))
        return cls(
            key=key,
            label=label,
            messages=tuple(messages),
            success=bool(data.get("success")),
            warning=bool(data.get("warning")),
            error=bool(data.get("error")),
            fatal=bool(data.get("fatal")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "level": self.level,
            "success": self.success,
            "warning": self.warning,
            "error": self.error,
            "fatal": self.fatal,
            "messages": [{"severity": m.severity, "title": m.title, "message": m.message} for m in self.messages],
        }


@dataclass(frozen=True)
class UpdateResult:
    reports: tuple[UpdateReport, ...]

    @property
    def outcome(self) -> str:
        """'error' if any report errs, 'warning' if any warns, else 'success'."""
        levels = {r.level for r in self.reports}
        if "error" in levels:
            return "error"
        if "warning" in levels:
            return "warning"
        return "success"

    @classmethod
    def from_json(cls, data: Any) -> UpdateResult:
        # The update future's result is a one-element list of the four reports (DeploymentUpdateFuture).
        if isinstance(data, list):
            data = data[0] if data else {}
        data = _p.obj(data, "an update result")
        return cls(reports=tuple(UpdateReport.from_json(key, label, data.get(key)) for key, label in REPORT_KEYS))


@dataclass(frozen=True)
class FutureProgress:
    name: str
    unit: str
    target: float | None
    cur: float | None

    @property
    def percent(self) -> int | None:
        if not self.target or self.cur is None:
            return None
        return max(0, min(100, round(100 * self.cur / self.target)))


@dataclass(frozen=True)
class Future:
    job_id: str
    has_result: bool
    aborted: bool
    alive: bool
    owner: str = ""
    start_time: datetime | None = None
    running_time_ms: float | None = None
    unknown: bool = False
    progress: tuple[FutureProgress, ...] = ()
    result: Any = field(default=None, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        return self.has_result or not self.alive

    @property
    def percent(self) -> int | None:
        values = [p.percent for p in self.progress if p.percent is not None]
        return values[-1] if values else None

    @property
    def progress_label(self) -> str:
        return self.progress[-1].name if self.progress else ""

    def update_result(self) -> UpdateResult | None:
        """The four update reports, when this is a finished deployment update. Raises `UpstreamBadResponse`."""
        if not self.has_result or self.result is None:
            return None
        return UpdateResult.from_json(self.result)

    @classmethod
    def from_json(cls, data: Any) -> Future:
        data = _p.obj(data, "a task (future)")
        progress = []
        for item in opt_list(data.get("progress")):
            item = opt_obj(item)
            progress.append(
                FutureProgress(
                    name=text(item.get("name")),
                    unit=text(item.get("unit")),
                    target=number(item.get("target")),
                    cur=number(item.get("cur")),
                )
            )
        return cls(
            job_id=_p.required_id(data, "jobId", "a task"),
            has_result=bool(data.get("hasResult")),
            aborted=bool(data.get("aborted")),
            alive=bool(data.get("alive")),
            owner=text(data.get("owner")),
            start_time=ms_to_datetime(data.get("startTime")),
            running_time_ms=number(data.get("runningTime")),
            unknown=bool(data.get("unknown")),
            progress=tuple(progress),
            result=copy.deepcopy(data.get("result")),
        )



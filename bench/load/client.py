"""A load client speaking Streamlit's own browser protocol: protobuf BackMsg / ForwardMsg over the websocket at
``/_stcore/stream`` (subprotocol ``streamlit``), as the browser does.

One :class:`Session` is one browser tab: it connects (optionally with a login cookie in the handshake), asks for
a rerun of a page with a ``rerun_script`` BackMsg (ClientState: page name on the first run, then the page's
script hash from the server's ``navigation`` message) and reads ForwardMsgs until ``script_finished``. The time
between sending the rerun and receiving ``script_finished`` (final status, not "finished early for rerun") is the
latency. A run counts as an error when the page shows an exception element, an ``st.error`` alert, a
``page_not_found``, or when the connection drops or the run takes longer than the timeout.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = {ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
            ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR


@dataclass
class RunResult:
    latency_s: float
    error: str | None = None
    elements: int = 0


@dataclass
class Session:
    base_url: str  # http://127.0.0.1:8501
    page: str = ""  # the page's URL path ("reports_dashboard"); "" for the default page
    cookie: str | None = None  # "name=value" sent in the handshake
    timeout_s: float = 120.0
    ws: object = None
    page_hash: str = ""
    messages: int = 0
    errors_seen: list[str] = field(default_factory=list)

    async def connect(self) -> None:
        url = self.base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], additional_headers=headers,
                                           max_size=None, compression=None, open_timeout=self.timeout_s,
                                           ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def rerun(self) -> RunResult:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash
        state.page_name = "" if self.page_hash else self.page
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        error: str | None = None
        elements = 0
        try:
            async with asyncio.timeout(self.timeout_s):
                while True:
                    fm = ForwardMsg()
                    fm.ParseFromString(await self.ws.recv())
                    self.messages += 1
                    kind = fm.WhichOneof("type")
                    if kind == "delta":
                        if fm.delta.WhichOneof("type") == "new_element":
                            elements += 1
                            el = fm.delta.new_element
                            what = el.WhichOneof("type")
                            if what == "exception" and error is None:
                                error = f"exception: {el.exception.type} {el.exception.message[:200]}"
                            elif what == "alert" and el.alert.format == Alert.ERROR and error is None:
                                error = f"error alert: {el.alert.body[:200]}"
                    elif kind == "navigation":
                        self.page_hash = fm.navigation.page_script_hash or self.page_hash
                    elif kind == "new_session" and not self.page_hash and not self.page:
                        self.page_hash = fm.new_session.page_script_hash
                    elif kind == "page_not_found":
                        error = error or f"page not found: {fm.page_not_found.page_name}"
                    elif kind == "script_finished":
                        if fm.script_finished == COMPILE_ERROR:
                            error = error or "compile error"
                        if fm.script_finished in FINISHED or fm.script_finished == COMPILE_ERROR:
                            break
                        # FINISHED_EARLY_FOR_RERUN: the script asked for a rerun; the next run follows
        except TimeoutError:
            error = f"no script_finished within {self.timeout_s:.0f} s"
        except websockets.ConnectionClosed as exc:
            error = f"connection closed: {exc}"
        latency = time.perf_counter() - started
        if error:
            self.errors_seen.append(error)
        return RunResult(latency, error, elements)

"""How a failed download is counted: Scrapy's download errors → the reasons `stats` shows."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import TCPTimedOutError
from twisted.python.failure import Failure

from crawler.spiders.news import classify_failure


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (CannotResolveHostError("gone.example"), "error:dns"),
        (DownloadTimeoutError("took longer than 10 seconds"), "error:timeout"),
        (TCPTimedOutError(), "error:timeout"),
        (DownloadConnectionRefusedError("refused"), "error:connection_refused"),
        (ResponseDataLossError(), "error:response_data_loss_error"),
    ],
)
def test_download_errors_are_counted_by_cause_and_tried_again_next_run(
    error: Exception, reason: str
) -> None:
    counted, final, detail = classify_failure(Failure(error))
    assert (counted, final) == (reason, False)
    assert detail

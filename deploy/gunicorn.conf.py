# /etc/otto/gunicorn.conf.py — gunicorn settings of an OTTO app server (otto-web.service).
import multiprocessing

bind = "127.0.0.1:8000"  # nginx on this host proxies to it
workers = min(2 * multiprocessing.cpu_count() + 1, 9)
# A report of a visit with many photos takes tens of seconds to render; nginx waits 180 s.
timeout = 150
graceful_timeout = 30
# Access log to stdout (the journal), with the request id nginx made (X-Request-Id), which
# OTTO's own log lines and error pages carry too.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
errorlog = "-"
# Photo bodies (up to 26 MB) are buffered by nginx first, so a slow tablet holds no worker.
limit_request_line = 8190

"""The ceiling for benchmarks/load.py: a plain Flask app answering "hello", served by the same
gunicorn settings (``gunicorn -c gunicorn.conf.py --pythonpath benchmarks hello:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"

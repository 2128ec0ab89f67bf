"""AML Deploy: validate, lint, register, debug and deploy Azure ML scoring endpoints."""

__version__ = "0.1.0"

"""The office's workbench (`govwatch serve`): a small web app on the store to pull reports,
review problems, answer for them and re-check them, with users and roles.

It may import the store, the reports and the checks; only the command line imports it.
"""

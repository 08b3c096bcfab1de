pytest_plugins = ["tests.plugins.sandbox"]

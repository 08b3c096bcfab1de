pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.browser", "tests.plugins.worker"]

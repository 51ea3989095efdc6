# symbiosim — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS := batch,dashboard,dev,clv
OUT    ?= out/demo

# Python may cache compiled modules here even where the shell says not to (a fresh
# interpreter per test worker and CLI call would otherwise recompile the package each time).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: venv demo test test-fast fuzz lint format bench dashboard validation-report clean browser-deps

# Create the environment once; reinstall when pyproject.toml changes.
# uv is preferred (installed from PyPI in seconds, ~10x faster than pip); pip is the fallback.
# Bytecode is compiled at install, so the first import in a fresh environment (the test
# workers, the CLI) does not pay for it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1 || true
	@if test -x $(BIN)/uv; then \
		$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e ".[$(EXTRAS)]"; \
	else \
		$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[$(EXTRAS)]"; \
	fi
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/symbiosim compare scenarios/subsidy_group_buying.yaml scenarios/symbiotic_partner.yaml \
		--seeds 5 --out $(OUT)
	@echo "Report written to $(OUT)/report.md"

# Browser tests need Debian's Chromium (and CJK fonts, so 拼团 / 团长 render in the
# screenshots); installed here when missing (root only, as in CI).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = "0" ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				chromium fonts-noto-cjk >/dev/null) \
			|| echo "warning: could not install chromium; browser tests will be skipped"; \
		else echo "warning: chromium missing and not root; browser tests will be skipped"; fi; }

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest -n 2 -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

# The hostile-input property tests with 25x the examples, new ones every run (the suite
# draws the same ones each time, so its verdict is reproducible). About 3 minutes on 2 cores.
fuzz: $(STAMP)
	SYMBIOSIM_FUZZ=$${SYMBIOSIM_FUZZ:-25} $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider tests/test_properties.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layer contracts of sim/ ([tool.importlinter] in pyproject.toml)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The machine may be offline: no usage statistics (Streamlit reads STREAMLIT_* variables).
dashboard: $(STAMP)
	STREAMLIT_BROWSER_GATHER_USAGE_STATS=false $(BIN)/symbiosim dashboard

validation-report: $(STAMP)
	$(BIN)/python docs/make_validation_report.py

clean:
	rm -rf $(VENV) out results .pytest_cache .ruff_cache

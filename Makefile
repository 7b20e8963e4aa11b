# Two commands on a fresh Debian/Ubuntu machine:  `make run`  and  `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
CONFIG ?= config/hotline.yaml

.PHONY: run test unit venv system sandbox sounds clean

$(VENV)/.installed: pyproject.toml
	@scripts/ensure-system.sh run
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

sounds: venv
	$(PY) scripts/make_sounds.py

sandbox: venv
	$(HOTLINE) sandbox up

run: venv sounds sandbox
	@echo
	@echo "  hotline engine starting on $(CONFIG) (SQLite at var/hotline.db)."
	@echo "  Place a test call from another terminal:"
	@echo "    sipp 127.0.0.1:5060 -sf tests/sipp/caller_press_1.xml -s 10000 -i 127.0.0.2 -p 5070 -mi 127.0.0.2 -m 1"
	@echo "  then see its record:  .venv/bin/hotline cdr --last 5"
	@echo
	$(HOTLINE) run -c $(CONFIG)

test: venv
	@scripts/ensure-system.sh test
	$(PY) scripts/make_sounds.py
	$(HOTLINE) sandbox up
	PY=$(PY) scripts/run-tests.sh

unit: venv
	$(PY) -m pytest -q tests/unit

clean:
	rm -rf $(VENV) var

# Switchboard: `make run` opens the app, `make test` runs every check. Both install what is
# missing first. See README.md.

CARGO ?= cargo
# Respects CARGO_TARGET_DIR, so CI can keep one target directory between runs.
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
APP := $(TARGET_DIR)/debug/switchboard-app
CLI := $(TARGET_DIR)/debug/switchboard
FAKES := $(TARGET_DIR)/debug/switchboard-fake-providers
# Rust tests use the real OS keychain: a throwaway, unlocked gnome-keyring on a private bus.
WITH_KEYRING := scripts/with-keyring.sh

.PHONY: run test deps deps-test ui build fmt-check lint ui-check rust-test e2e bindings screenshots bench clean \
	package package-test

run: deps build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: run it under a virtual one with 'xvfb-run -a make run'."; exit 1; fi
	$(APP)

test: deps-test fmt-check ui-check lint rust-test build e2e
	@echo "make test: all checks passed"

deps:
	@scripts/install-deps.sh --run

deps-test:
	@scripts/install-deps.sh --test

ui:
	npm --prefix ui run build

build: ui
	$(CARGO) build --locked -p switchboard-app -p switchboard-cli -p switchboard-fakes

fmt-check:
	$(CARGO) fmt --all --check

ui-check:
	npm --prefix ui run check
	npm --prefix ui test

# Clippy compiles src-tauri, which embeds ui/dist: build the UI first.
lint: ui
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	python3 scripts/module-edges.py crates/core/src

# Includes `bindings_are_current` and `domain_export_is_current`, the drift checks of
# ui/src/backend/bindings.ts and ui/src/backend/domain.generated.ts.
rust-test: ui
	$(WITH_KEYRING) $(CARGO) test --locked --workspace

e2e: build
	SWITCHBOARD_APP=$(APP) SWITCHBOARD_CLI=$(CLI) SWITCHBOARD_FAKES=$(FAKES) scripts/e2e.sh

bindings:
	UPDATE_BINDINGS=1 $(CARGO) test --locked -p switchboard-app -- bindings_are_current domain_export_is_current

screenshots: build
	SWITCHBOARD_APP=$(APP) SWITCHBOARD_CLI=$(CLI) SWITCHBOARD_FAKES=$(FAKES) scripts/screenshots.sh

# Release .deb and .rpm (Tauri bundler; tauri-cli pinned, installed into .tools/ when missing)
# under $(TARGET_DIR)/release/bundle/, the .deb checked by lintian. See scripts/package.sh.
package: deps
	scripts/package.sh

# Installs the .deb (root), checks it installed, drives the installed app, removes it again.
# Not in `make test` (yet): cold, it adds a tauri-cli install and a release build, measured here
# at 40 + 32 min on shared cores, which would not keep CI well inside its 90 minutes.
package-test: deps-test package
	scripts/package-test.sh

bench:
	$(CARGO) bench --locked -p switchboard-core --bench status --bench webhooks --bench audit --bench ingest --bench sync

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules .venv .tools

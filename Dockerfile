# budgetd: multi-stage build on Debian 12. The build stage runs the same commands as the
# README (meson setup / compile / test); the runtime stage holds only the runtime libraries,
# the two binaries, the bundled store and the front page, and runs as a non-root user.

FROM debian:12 AS build
WORKDIR /src
# README's install step (the one package list, and `npm ci`), before the rest of the source
# so that the layer is kept while only the source changes.
COPY tools/install-deps tools/
COPY package.json package-lock.json ./
RUN tools/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
RUN meson setup build && meson compile -C build \
 && meson test -C build --print-errorlogs \
 && meson install -C build --destdir /out

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjansson4 libxml2 libdeflate0 libxlsxwriter4 libjemalloc2 poppler-utils \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin budgetd
COPY --from=build /out/usr/local/bin/budgetd /out/usr/local/bin/budgetctl /usr/local/bin/
COPY --from=build /out/usr/local/share/budgetd /usr/local/share/budgetd
USER budgetd
EXPOSE 8080
# The bundled store is read-only here; mount a store and pass --db to serve other data.
ENTRYPOINT ["budgetd", "--bind", "0.0.0.0", "--port", "8080"]

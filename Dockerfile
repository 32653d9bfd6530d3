# g2p-gateway container image. Build: docker build -t g2p-gateway .
# Run with your configuration folder (config.yaml + roles.yaml) mounted over the defaults:
#   docker run -p 3000:3000 -v $PWD/deploy:/app/config:ro -e G2P_CONFIG=config/production.yaml \
#     -e ODOO_WRITE_API_KEY=... g2p-gateway
# Single settings come from the environment too (PORT, ODOO_URL, ODOO_PASSWORD_FILE, ...).
# NODE_ENV=production: sandbox mode is refused, so an Odoo must be configured.
# The build steps are CI's: `npm ci`, then `npm run build`.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    G2P_CONFIG=config/default.yaml
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Defaults and roles; mount your own folder over /app/config and point G2P_CONFIG at a file in it.
COPY config ./config
# The image's own `node` user (uid 1000): the gateway needs no privilege. The one folder it may
# write is .sandbox/ (the sandbox token secret, only when run with NODE_ENV other than production).
RUN mkdir .sandbox && chown node:node .sandbox
USER node
EXPOSE 3000
# slim has no curl: node's own fetch probes the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, for the graceful shutdown.
CMD ["node", "dist/server.js"]

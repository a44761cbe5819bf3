# The hermes-chat image: `hermes-chat ingest` by default (docker-compose.yml), any subcommand works.
# Build: docker build -t hermes-chat .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY docker/ingester-healthcheck.mjs ./docker/
USER node
# `docker stop` sends SIGTERM: `hermes-chat ingest` drains (INGEST_DRAIN_TIMEOUT_MS, default 30 s);
# give it `--time 40` (compose: stop_grace_period) so the drain is not cut short by SIGKILL.
STOPSIGNAL SIGTERM
EXPOSE 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["ingest"]

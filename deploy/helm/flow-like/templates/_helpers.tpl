{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "flow-like.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name of every object. */}}
{{- define "flow-like.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flow-like.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flow-like.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flow-like.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flow-like.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flow-like
{{- end }}

{{/* Labels of one component; call with (dict "root" $ "component" "api"). */}}
{{- define "flow-like.componentLabels" -}}
{{ include "flow-like.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "flow-like.componentSelectorLabels" -}}
{{ include "flow-like.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* image reference: repository:tag, or repository@digest when a digest is pinned. */}}
{{- define "flow-like.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "flow-like.executorImage" -}}
{{- if or .Values.executor.image.repository .Values.executor.image.tag }}
{{- printf "%s:%s" (default .Values.image.repository .Values.executor.image.repository) (default (default .Chart.AppVersion .Values.image.tag) .Values.executor.image.tag) }}
{{- else }}
{{- include "flow-like.image" . }}
{{- end }}
{{- end }}

{{- define "flow-like.internalDatabase" -}}
{{- if not .Values.database.existingSecret }}true{{ end }}
{{- end }}

{{- define "flow-like.internalRedis" -}}
{{- if not .Values.redis.existingSecret }}true{{ end }}
{{- end }}

{{/* Secret and key every component (and every executor Job) reads DATABASE_URL from. */}}
{{- define "flow-like.databaseSecretName" -}}
{{- default (printf "%s-database" (include "flow-like.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{- define "flow-like.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}{{ .Values.database.existingSecretKey }}{{ else }}DATABASE_URL{{ end }}
{{- end }}

{{- define "flow-like.redisSecretName" -}}
{{- default (printf "%s-redis" (include "flow-like.fullname" .)) .Values.redis.existingSecret }}
{{- end }}

{{- define "flow-like.redisSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}REDIS_URL{{ end }}
{{- end }}

{{- define "flow-like.adminSecretName" -}}
{{- default (printf "%s-admin" (include "flow-like.fullname" .)) .Values.api.adminToken.existingSecret }}
{{- end }}

{{- define "flow-like.adminSecretKey" -}}
{{- if .Values.api.adminToken.existingSecret }}{{ .Values.api.adminToken.existingSecretKey }}{{ else }}ADMIN_TOKEN{{ end }}
{{- end }}

{{/*
Fails the render with every missing required value named at once, so a user
fixes them in one pass instead of one per attempt.
*/}}
{{- define "flow-like.validateValues" -}}
{{- $missing := list }}
{{- range $key := list "endpoint" "region" "metadataBucket" "contentBucket" "existingSecret" }}
{{- if not (get $.Values.s3 $key) }}
{{- $missing = append $missing (printf "s3.%s" $key) }}
{{- end }}
{{- end }}
{{- if $missing }}
{{- fail (printf "S3 storage is required: set %s (see deploy/README.md, \"S3 settings\")" (join ", " $missing)) }}
{{- end }}
{{- if and .Values.networkPolicy.enabled .Values.database.existingSecret (not .Values.networkPolicy.executor.databaseCidrs) }}
{{- fail "networkPolicy.executor.databaseCidrs is required with an external database: without it the NetworkPolicy keeps executors from reaching PostgreSQL" }}
{{- end }}
{{- if and .Values.networkPolicy.enabled .Values.s3.endpoint .Values.networkPolicy.executor.s3Cidrs }}
{{- $endpoint := urlParse .Values.s3.endpoint }}
{{- $hostAndPort := splitList ":" $endpoint.host }}
{{- $port := ternary (last $hostAndPort) (ternary "443" "80" (eq $endpoint.scheme "https")) (gt (len $hostAndPort) 1) }}
{{- $allowed := list }}
{{- range .Values.networkPolicy.executor.s3Ports }}
{{- $allowed = append $allowed (toString (int .)) }}
{{- end }}
{{- if not (has $port $allowed) }}
{{- fail (printf "networkPolicy.executor.s3Ports [%s] must include %s, the port of s3.endpoint, or executors cannot reach S3" (join ", " $allowed) $port) }}
{{- end }}
{{- end }}
{{- if lt (int .Values.executor.maxRunTimeoutSeconds) (int .Values.executor.runTimeoutSeconds) }}
{{- fail (printf "executor.maxRunTimeoutSeconds (%v) must not be below executor.runTimeoutSeconds (%v)" .Values.executor.maxRunTimeoutSeconds .Values.executor.runTimeoutSeconds) }}
{{- end }}
{{- end }}

{{/* Env shared by api, dispatcher (and passed on to executors): connection secrets by reference only. */}}
{{- define "flow-like.connectionEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "flow-like.databaseSecretName" . }}
      key: {{ include "flow-like.databaseSecretKey" . }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "flow-like.redisSecretName" . }}
      key: {{ include "flow-like.redisSecretKey" . }}
- name: S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.s3.existingSecret }}
      key: {{ .Values.s3.accessKeyIdKey }}
- name: S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.s3.existingSecret }}
      key: {{ .Values.s3.secretAccessKeyKey }}
{{- end }}

{{/*
Returns the value at .key of an existing Secret in the release namespace, or a
new random one. Keeps generated credentials stable across upgrades.
Call with (dict "root" $ "secret" NAME "key" KEY "length" N).
*/}}
{{- define "flow-like.existingOrRandom" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key | b64dec }}
{{- else }}
{{- randAlphaNum (int .length) }}
{{- end }}
{{- end }}

{{/* The dispatcher takes the pull secrets of executor Jobs as "a,b". */}}
{{- define "flow-like.pullSecretNames" -}}
{{- $names := list }}
{{- range .Values.imagePullSecrets }}
{{- $names = append $names .name }}
{{- end }}
{{- join "," $names }}
{{- end }}

{{- define "flow-like.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ .name }}
{{- end }}
{{- end }}
{{- end }}

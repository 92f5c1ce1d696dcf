{{/*
Named templates shared by every resource. Those taking a "service context"
get (dict "root" $ "name" <service> "service" <its values under services>).
*/}}

{{- define "voiceagent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-wide name prefix, a DNS label (63 characters at most). */}}
{{- define "voiceagent.fullname" -}}
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

{{/* Name of a service's resources (service context). */}}
{{- define "voiceagent.serviceName" -}}
{{- printf "%s-%s" (include "voiceagent.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "voiceagent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "voiceagent.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Labels of every resource; with a service context, the service's too. */}}
{{- define "voiceagent.labels" -}}
{{- $root := .root | default . -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: {{ include "voiceagent.name" $root }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- if .name }}
{{ include "voiceagent.selectorLabels" . }}
{{- else }}
app.kubernetes.io/name: {{ include "voiceagent.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- end }}
{{- end }}

{{- define "voiceagent.serviceAccountName" -}}
{{- if .service.serviceAccountName }}
{{- .service.serviceAccountName }}
{{- else if .root.Values.serviceAccount.create }}
{{- default (include "voiceagent.fullname" .root) .root.Values.serviceAccount.name }}
{{- else }}
{{- default "default" .root.Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* registry/repository:tag; the tag defaults to the chart's appVersion. */}}
{{- define "voiceagent.image" -}}
{{- $image := .root.Values.image }}
{{- $tag := .service.image.tag | default $image.tag | default .root.Chart.AppVersion }}
{{- if $image.registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" $image.registry) .service.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .service.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "voiceagent.healthPort" -}}
{{- .service.healthPort | default .root.Values.healthPort | int }}
{{- end }}

{{- define "voiceagent.shutdownGraceMs" -}}
{{- .service.shutdownGraceMs | default .root.Values.shutdownGraceMs | int64 }}
{{- end }}

{{/* Longer than SHUTDOWN_GRACE_MS (rounded up to seconds), so in-flight work finishes before SIGKILL. */}}
{{- define "voiceagent.terminationGracePeriodSeconds" -}}
{{- $graceMs := include "voiceagent.shutdownGraceMs" . | int64 }}
{{- add (div (add $graceMs 999) 1000) (.root.Values.terminationExtraSeconds | int64) }}
{{- end }}

{{/* A port's name for one protocol: "sip-udp" when it has several, else its own name. */}}
{{- define "voiceagent.portName" -}}
{{- if gt (len .protocols) 1 }}
{{- printf "%s-%s" .port.name (lower .protocol) }}
{{- else }}
{{- .port.name }}
{{- end }}
{{- end }}

{{/* An environment value as text: whole numbers without an exponent (YAML numbers arrive as floats). */}}
{{- define "voiceagent.envValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{- define "voiceagent.knowledgeConfigMap" -}}
{{- .Values.knowledge.existingConfigMap | default (printf "%s-knowledge" (include "voiceagent.fullname" .)) }}
{{- end }}

{{- define "voiceagent.knowledgeFile" -}}
{{- printf "%s/%s" (trimSuffix "/" .Values.knowledge.mountPath) .Values.knowledge.key }}
{{- end }}

{{/* Where the NATS .creds file is mounted. */}}
{{- define "voiceagent.natsCredsFile" -}}
/etc/nats/nats.creds
{{- end }}

{{/*
The environment of a service's container (service context). The chart's own
variables first, then `env` (global, then the service's), then `secrets`.
*/}}
{{- define "voiceagent.env" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $service := .service -}}
- name: HEALTH_PORT
  value: {{ include "voiceagent.healthPort" . | quote }}
- name: SHUTDOWN_GRACE_MS
  value: {{ include "voiceagent.shutdownGraceMs" . | quote }}
- name: NATS_URL
  value: {{ required "nats.url is required: the NATS (with JetStream) every service connects to" $root.Values.nats.url | quote }}
{{- if $root.Values.nats.credsSecret.name }}
- name: NATS_CREDS
  value: {{ include "voiceagent.natsCredsFile" . | quote }}
{{- end }}
{{- with $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: DATA_DIR
  value: {{ $root.Values.dataDir | quote }}
{{- if $service.knowledge }}
- name: KNOWLEDGE_FILE
  value: {{ include "voiceagent.knowledgeFile" $root | quote }}
{{- end }}
{{- if $service.models }}
- name: VOICE_AGENT_MODELS
  value: {{ $root.Values.models.path | quote }}
{{- end }}
{{- range $service.ports }}
{{- if .env }}
- name: {{ .env }}
  value: {{ .port | int | quote }}
{{- end }}
{{- end }}
{{- with $service.rtp }}
- name: RTP_PORT_MIN
  value: {{ .portMin | int | quote }}
- name: RTP_PORT_MAX
  value: {{ .portMax | int | quote }}
{{- end }}
{{- with $service.sip }}
- name: SIP_PUBLIC_ADDRESS
{{- if .publicAddress }}
  value: {{ .publicAddress | quote }}
{{- else }}
  valueFrom:
    fieldRef:
      fieldPath: status.hostIP
{{- end }}
{{- end }}
{{- /* Where every service reaches the others' ports (BOOKING_ADDRESS, ...). */}}
{{- range $otherName, $other := $root.Values.services }}
{{- if $other.enabled }}
{{- range $other.ports }}
{{- if .addressEnv }}
- name: {{ .addressEnv }}
  value: {{ printf "%s:%d" (include "voiceagent.serviceName" (dict "root" $root "name" $otherName)) (.port | int) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $env := mergeOverwrite (deepCopy ($root.Values.env | default dict)) ($service.env | default dict) }}
{{- range $variable, $value := $env }}
{{- if not (or (kindIs "invalid" $value) (eq (toString $value) "")) }}
- name: {{ $variable }}
  value: {{ include "voiceagent.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- with $root.Values.secrets.existingSecret }}
{{- $secret := . }}
{{- range $variable, $services := $root.Values.secrets.variables }}
{{- if or (has "*" $services) (has $name $services) }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $variable }}
      optional: true
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Settings that would deploy something broken, refused with the reason. Included
(for its failures only) by the Deployments.
*/}}
{{- define "voiceagent.validate" -}}
{{- if not (or .Values.knowledge.content .Values.knowledge.existingConfigMap) }}
{{- fail "knowledge: set knowledge.content (--set-file knowledge.content=examples/knowledge.yaml) or knowledge.existingConfigMap" }}
{{- end }}
{{- range $name := list "booking" "escalation" }}
{{- $service := get $.Values.services $name }}
{{- if and $service $service.enabled (not $.Values.secrets.existingSecret) (or (gt (int $service.replicas) 1) (and $service.autoscaling $service.autoscaling.enabled)) }}
{{- fail (printf "services.%s: more than one replica needs DATABASE_URL (PostgreSQL) from secrets.existingSecret; without it each pod keeps its own embedded database" $name) }}
{{- end }}
{{- end }}
{{- range $name, $service := .Values.services }}
{{- with $service.rtp }}
{{- $min := .portMin | int }}
{{- $max := .portMax | int }}
{{- if or (ge $min $max) (ne (mod $min 2) 0) (ne (mod $max 2) 1) }}
{{- fail (printf "services.%s.rtp: portMin..portMax must be whole even/odd pairs (an even portMin, an odd portMax above it), got %d..%d" $name $min $max) }}
{{- end }}
{{- $maxCalls := get ($service.env | default dict) "MAX_CALLS" | default (get ($.Values.env | default dict) "MAX_CALLS") }}
{{- if and $maxCalls (gt (int $maxCalls) (div (add (sub $max $min) 1) 2 | int)) }}
{{- fail (printf "services.%s: MAX_CALLS %v needs %d RTP ports (a pair per call); rtp.portMin..portMax %d..%d has %d" $name $maxCalls (mul (int $maxCalls) 2) $min $max (add (sub $max $min) 1)) }}
{{- end }}
{{- if and (not $service.hostNetwork) (gt (sub $max $min) 999) }}
{{- fail (printf "services.%s.rtp: without hostNetwork every RTP port is a hostPort; %d..%d is over 1000 ports: narrow it (and MAX_CALLS) or use hostNetwork" $name $min $max) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* A Service's entries for the service's own ports, one per protocol (service context). */}}
{{- define "voiceagent.servicePorts" -}}
{{- range $port := .service.ports }}
{{- $protocols := $port.protocols | default (list "TCP") }}
{{- range $protocol := $protocols }}
{{- $portName := include "voiceagent.portName" (dict "port" $port "protocol" $protocol "protocols" $protocols) }}
- name: {{ $portName }}
  port: {{ $port.port | int }}
  targetPort: {{ $portName }}
  protocol: {{ $protocol }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The Deployment of one service (service context). Every service runs the same
way: the image's CMD, health on HEALTH_PORT, a read-only root file system
with /tmp and DATA_DIR writable, SIGTERM handled within SHUTDOWN_GRACE_MS.
*/}}
{{- define "voiceagent.deployment" -}}
{{- $root := .root }}
{{- $service := .service }}
{{- $probes := $root.Values.probes }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "voiceagent.serviceName" . }}
  labels:
    {{- include "voiceagent.labels" . | nindent 4 }}
spec:
  {{- if not (and $service.autoscaling $service.autoscaling.enabled) }}
  replicas: {{ $service.replicas | default 1 }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- with $service.strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "voiceagent.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "voiceagent.selectorLabels" . | nindent 8 }}
      {{- $annotations := mergeOverwrite (deepCopy ($root.Values.podAnnotations | default dict)) ($service.podAnnotations | default dict) }}
      {{- if and $service.knowledge $root.Values.knowledge.content }}
      {{- /* A changed knowledge file rolls the services that read it. */}}
      {{- $_ := set $annotations "checksum/knowledge" (sha256sum $root.Values.knowledge.content) }}
      {{- end }}
      {{- with $annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "voiceagent.serviceAccountName" . }}
      # The services never call the Kubernetes API (IRSA mounts its own token).
      automountServiceAccountToken: false
      # No <SERVICE>_PORT variables from other Services: they could collide with configuration names.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $service.hostNetwork }}
      hostNetwork: true
      dnsPolicy: ClusterFirstWithHostNet
      {{- end }}
      {{- with $service.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ include "voiceagent.terminationGracePeriodSeconds" . }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $service.nodeSelector | default $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $service.tolerations | default $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $service.affinity | default $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "voiceagent.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          ports:
            - name: health
              containerPort: {{ include "voiceagent.healthPort" . }}
              protocol: TCP
            {{- range $port := $service.ports }}
            {{- $protocols := $port.protocols | default (list "TCP") }}
            {{- range $protocol := $protocols }}
            - name: {{ include "voiceagent.portName" (dict "port" $port "protocol" $protocol "protocols" $protocols) }}
              containerPort: {{ $port.port | int }}
              protocol: {{ $protocol }}
            {{- end }}
            {{- end }}
            {{- /* On the pod network, RTP reaches the pod through one hostPort per port (the range is capped by voiceagent.validate). */}}
            {{- if and $service.rtp (not $service.hostNetwork) }}
            {{- range $rtpPort := untilStep ($service.rtp.portMin | int) (add ($service.rtp.portMax | int) 1 | int) 1 }}
            - containerPort: {{ $rtpPort }}
              hostPort: {{ $rtpPort }}
              protocol: UDP
            {{- end }}
            {{- end }}
          env:
            {{- include "voiceagent.env" . | nindent 12 }}
          startupProbe:
            httpGet:
              path: /livez
              port: health
            periodSeconds: {{ $probes.startup.periodSeconds }}
            failureThreshold: {{ $probes.startup.failureThreshold }}
          livenessProbe:
            httpGet:
              path: /livez
              port: health
            periodSeconds: {{ $probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $probes.liveness.failureThreshold }}
          # 503 while starting (models, database, NATS) and while stopping.
          readinessProbe:
            httpGet:
              path: /healthz
              port: health
            periodSeconds: {{ $probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $probes.readiness.failureThreshold }}
          {{- with $service.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: data
              mountPath: {{ $root.Values.dataDir }}
            {{- if $service.knowledge }}
            - name: knowledge
              mountPath: {{ $root.Values.knowledge.mountPath }}
              readOnly: true
            {{- end }}
            {{- if $service.models }}
            - name: models
              mountPath: {{ $root.Values.models.path }}
            {{- end }}
            {{- if $root.Values.nats.credsSecret.name }}
            - name: nats-creds
              mountPath: {{ include "voiceagent.natsCredsFile" . | dir }}
              readOnly: true
            {{- end }}
            {{- with concat ($root.Values.extraVolumeMounts | default list) ($service.extraVolumeMounts | default list) }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        - name: data
          {{- with $service.dataVolume }}
          {{- toYaml . | nindent 10 }}
          {{- else }}
          emptyDir: {}
          {{- end }}
        {{- if $service.knowledge }}
        # The directory, not the file through subPath: ConfigMap updates reach it.
        - name: knowledge
          configMap:
            name: {{ include "voiceagent.knowledgeConfigMap" $root }}
        {{- end }}
        {{- if $service.models }}
        - name: models
          {{- with $root.Values.models.volume }}
          {{- toYaml . | nindent 10 }}
          {{- else }}
          emptyDir: {}
          {{- end }}
        {{- end }}
        {{- with $root.Values.nats.credsSecret.name }}
        - name: nats-creds
          secret:
            secretName: {{ . }}
            items:
              - key: {{ $root.Values.nats.credsSecret.key }}
                path: {{ include "voiceagent.natsCredsFile" $ | base }}
        {{- end }}
        {{- with concat ($root.Values.extraVolumes | default list) ($service.extraVolumes | default list) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}

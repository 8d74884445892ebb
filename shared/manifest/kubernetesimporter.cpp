#include "manifest/kubernetesimporter.h"

#include "manifest/importhelpers.h"
#include "manifest/quantity.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

using namespace importing;

namespace {

// Why another kind of object in the stream is left out, and what to do instead.
QString otherObjectAdvice(const QString &kind, const QString &name)
{
    const QString object = u"%1 %2"_s.arg(kind, name.isEmpty() ? u"(unnamed)"_s : name);
    if (kind == u"Service")
        return u"%1 is not imported: Berth publishes the ports the containers list (HTTP ports "
               u"under a host name, TCP ports on a public port)"_s.arg(object);
    if (kind == u"Ingress")
        return u"%1 is not imported: add its host names to the `hosts` of the HTTP port"_s.arg(
            object);
    if (kind == u"ConfigMap")
        return u"%1 is not imported: put its values into the containers' env, or its files into "
               u"the image or a secret"_s.arg(object);
    if (kind == u"Secret")
        return u"%1 is not imported: secret values never go into a manifest; supply them when "
               u"you deploy (they are sealed to the provider)"_s.arg(object);
    return u"%1 is not imported: a Berth manifest describes one pod"_s.arg(object);
}

QString podSpecAdvice(const QString &key)
{
    static const QStringList placement{u"nodeSelector"_s,
                                       u"affinity"_s,
                                       u"tolerations"_s,
                                       u"nodeName"_s,
                                       u"topologySpreadConstraints"_s,
                                       u"priorityClassName"_s,
                                       u"priority"_s,
                                       u"schedulerName"_s,
                                       u"runtimeClassName"_s};
    static const QStringList hostSetup{
        u"hostNetwork"_s, u"hostPID"_s,   u"hostIPC"_s,
        u"dnsPolicy"_s,   u"dnsConfig"_s, u"hostAliases"_s,
        u"hostname"_s,    u"subdomain"_s, u"shareProcessNamespace"_s};
    if (placement.contains(key))
        return u"`%1` is not kept: the pod runs on the provider you choose"_s.arg(key);
    if (hostSetup.contains(key))
        return u"`%1` is not kept: the provider sets up the pod's network and namespaces"_s.arg(
            key);
    if (key == u"securityContext")
        return u"`securityContext` is not kept: Berth runs containers as their image says, "
               u"without extra privileges"_s;
    if (key == u"initContainers")
        return u"init containers are not imported: Berth starts all containers together; do the "
               u"setup in the main container's command"_s;
    if (key == u"imagePullSecrets")
        return registryCredentialsAdvice();
    if (key == u"serviceAccountName" || key == u"serviceAccount" ||
        key == u"automountServiceAccountToken")
        return u"`%1` is not kept: pods on Berth have no Kubernetes API access"_s.arg(key);
    return noEquivalent(key);
}

QString containerAdvice(const QString &key)
{
    if (key == u"securityContext")
        return podSpecAdvice(key);
    if (key == u"envFrom")
        return u"`envFrom` is not imported: list the variables under `env` (secrets through "
               u"valueFrom.secretKeyRef)"_s;
    if (key == u"lifecycle")
        return u"lifecycle hooks are not run: do that work in the container's command"_s;
    return noEquivalent(key);
}

} // namespace

KubernetesImporter::KubernetesImporter(ImportContext &context)
    : m_context(context)
    , m_assembler(context)
{}

std::optional<Pod> KubernetesImporter::run(const std::vector<YAML::Node> &documents)
{
    struct Workload
    {
        YamlField document;
        QString kind;
        QString name;
    };
    QList<Workload> workloads;
    for (const YAML::Node &node : documents) {
        if (node.IsNull())
            continue; // an empty document, as after a trailing "---"
        const YamlField document = m_context.root(node);
        const QString kind = ImportContext::scalarChild(node, "kind");
        const YAML::Node metadata = node.IsMap() ? node["metadata"] : YAML::Node();
        const QString name =
            metadata.IsDefined() ? ImportContext::scalarChild(metadata, "name") : QString();
        if (kind.isEmpty())
            m_context.warn(document,
                           u"this document is not a Kubernetes object (it has no `kind`): it is "
                           u"ignored"_s);
        else if (kind == u"Pod" || kind == u"Deployment")
            workloads.append({document, kind, name});
        else if (kind == u"PersistentVolumeClaim")
            readClaim(document, name);
        else
            m_context.warn(document, otherObjectAdvice(kind, name));
    }
    if (workloads.isEmpty()) {
        m_context.report(Severity::Error, QString(), {},
                         u"there is no Pod or Deployment to import: a Berth pod is made from the "
                         u"pod template of one of them"_s);
        return std::nullopt;
    }
    importWorkload(workloads.constFirst().document, workloads.constFirst().kind);
    for (const Workload &other : workloads.mid(1))
        m_context.warn(other.document,
                       u"%1 %2 is not imported: a Berth manifest describes one "
                       u"pod; import it from a file of its own"_s.arg(other.kind, other.name));
    for (auto it = m_claims.cbegin(); it != m_claims.cend(); ++it) {
        if (!it->used)
            m_context.warn(it->document, u"PersistentVolumeClaim %1 is not used by the pod: it "
                                         u"is ignored"_s.arg(it.key()));
    }
    Pod pod = m_assembler.finish();
    if (pod.metadata.name.isEmpty())
        pod.metadata.name = pod.containers.value(0).name;
    return pod;
}

void KubernetesImporter::readClaim(const YamlField &document, const QString &name)
{
    YamlMap claim(m_context, document);
    YamlMap spec(m_context, claim.take("spec"));
    YamlMap resources(m_context, spec.take("resources"));
    YamlMap requests(m_context, resources.take("requests"));
    Claim entry{document, m_context.bytes(requests.take("storage")), false};
    spec.take("accessModes"); // one pod mounts it, whatever the mode
    spec.warnUnused([](const YamlField &field) {
        return u"`%1` is not kept: the provider chooses how to store the volume"_s.arg(field.key);
    });
    m_claims.insert(name, entry);
}

void KubernetesImporter::importWorkload(const YamlField &document, const QString &kind)
{
    YamlMap root(m_context, document);
    root.take("apiVersion");
    root.take("kind");
    root.take("status"); // written by the cluster, not by the publisher
    importMetadata(root.take("metadata"), true);
    if (kind == u"Pod") {
        importPodSpec(root.take("spec"));
        root.warnUnused();
        return;
    }
    YamlMap spec(m_context, root.take("spec"));
    const YamlField replicasField = spec.take("replicas");
    m_assembler.requestReplicas(
        int(m_context.integer(replicasField, 0, limits::MaxReplicas).value_or(1)), replicasField);
    spec.take("selector"); // matches the template's labels by construction
    YamlMap podTemplate(m_context, spec.take("template"));
    if (!podTemplate.isMap())
        m_context.error(podTemplate.field(),
                        u"the Deployment has no pod template (spec.template): there is nothing "
                        u"to import"_s);
    importMetadata(podTemplate.take("metadata"), false);
    importPodSpec(podTemplate.take("spec"));
    podTemplate.warnUnused();
    spec.warnUnused([](const YamlField &field) {
        if (field.key == u"strategy")
            return u"`strategy` is not kept: Berth replaces a pod's replicas itself on update"_s;
        return noEquivalent(field.key);
    });
    root.warnUnused();
}

void KubernetesImporter::importMetadata(const YamlField &metadata, bool naming)
{
    YamlMap map(m_context, metadata);
    const auto name = m_context.string(map.take("name"));
    if (naming && name)
        m_assembler.pod().metadata.name = toDnsLabel(*name, QString());
    YamlMap labels(m_context, map.take("labels"));
    for (const YamlField &label : labels.takeAll())
        m_assembler.pod().metadata.labels.insert(label.key,
                                                 m_context.string(label).value_or(QString()));
    // Written by the cluster when the object was exported with kubectl get -o yaml.
    for (const char *key :
         {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"})
        map.take(key);
    map.warnUnused([](const YamlField &field) {
        if (field.key == u"namespace")
            return u"`namespace` is not used: every Berth deployment stands on its own"_s;
        if (field.key == u"annotations")
            return u"annotations are not kept: Berth has no equivalent; use labels to find the "
                   u"pod by"_s;
        return noEquivalent(field.key);
    });
}

void KubernetesImporter::importPodSpec(const YamlField &specField)
{
    YamlMap spec(m_context, specField);
    importVolumes(spec.take("volumes")); // first: the containers' mounts refer to them
    const YamlField containers = spec.take("containers");
    const QList<YamlField> list = m_context.elements(containers);
    if (list.isEmpty() && spec.isMap())
        m_context.error(containers, u"the pod has no containers: list at least one"_s);
    for (const YamlField &container : list)
        importContainer(container);
    const YamlField restartField = spec.take("restartPolicy");
    if (const auto restart = m_context.string(restartField)) {
        if (const auto policy = restartPolicyFromString(*restart))
            m_assembler.requestRestartPolicy(*policy, restartField);
        else
            m_context.warn(restartField, u"restart policy \"%1\" is not known: write Always, "
                                         u"OnFailure or Never"_s.arg(*restart));
    }
    spec.warnUnused([](const YamlField &field) { return podSpecAdvice(field.key); });
}

void KubernetesImporter::importVolumes(const YamlField &volumes)
{
    for (const YamlField &volumeField : m_context.elements(volumes)) {
        YamlMap entry(m_context, volumeField);
        const auto name = m_context.string(entry.take("name"));
        if (!name || name->isEmpty()) {
            entry.takeAll();
            m_context.warn(volumeField, u"a volume without a name is ignored"_s);
            continue;
        }
        Volume volume{m_assembler.freeVolumeName(*name), VolumeKind::EmptyDir, 0, {}, {}};
        if (const YamlField emptyDir = entry.take("emptyDir")) {
            YamlMap options(m_context, emptyDir);
            volume.sizeBytes = m_context.bytes(options.take("sizeLimit")).value_or(0);
            options.warnUnused([](const YamlField &field) {
                return u"`%1` is not kept: the provider decides where emptyDir volumes "
                       u"live"_s.arg(field.key);
            });
        } else if (const YamlField claimField = entry.take("persistentVolumeClaim")) {
            YamlMap options(m_context, claimField);
            const QString claimName = m_context.string(options.take("claimName")).value_or(*name);
            if (m_context.boolean(options.take("readOnly")).value_or(false))
                m_readOnlyVolumes.insert(*name);
            options.warnUnused();
            volume.kind = VolumeKind::Persistent;
            const auto claim = m_claims.find(claimName);
            if (claim != m_claims.end())
                claim->used = true;
            if (claim != m_claims.end() && claim->sizeBytes) {
                volume.sizeBytes = *claim->sizeBytes;
            } else {
                volume.sizeBytes = DefaultVolumeBytes;
                m_context.warn(claimField,
                               u"the size of claim %1 is not in this file: Berth creates a "
                               u"persistent volume of %2; set the size you need"_s.arg(
                                   claimName, quantity::formatBytes(DefaultVolumeBytes)));
            }
        } else if (const YamlField secretField = entry.take("secret")) {
            YamlMap options(m_context, secretField);
            volume.kind = VolumeKind::Secret;
            volume.secretName =
                toDnsLabel(m_context.string(options.take("secretName")).value_or(*name), *name);
            for (const YamlField &itemField : m_context.elements(options.take("items"))) {
                YamlMap item(m_context, itemField);
                const auto key = m_context.string(item.take("key"));
                const auto path = m_context.string(item.take("path"));
                item.warnUnused();
                if (key)
                    volume.items.append(SecretItem{*key, path.value_or(*key)});
            }
            options.warnUnused([](const YamlField &field) {
                if (field.key == u"optional")
                    return u"`optional` is not kept: the secret must be supplied when you "
                           u"deploy"_s;
                return u"`%1` is not kept: secret files are read-only to the container"_s.arg(
                    field.key);
            });
        } else {
            const QStringList kinds = entry.remainingKeys();
            entry.takeAll();
            const QString kind = kinds.value(0, u"no kind"_s);
            m_unmappedVolumes.insert(*name);
            m_context.warn(
                volumeField,
                u"volume %1 (%2) cannot be mapped, and its mounts are left out: %3"_s.arg(
                    *name, kind,
                    kind == u"hostPath" ? u"a provider's own files are not open to pods"_s
                    : kind == u"configMap"
                        ? u"put the files into the image, or into a secret"_s
                        : u"Berth has emptyDir, persistent and secret volumes"_s));
            continue;
        }
        entry.warnUnused();
        m_volumeNames.insert(*name, volume.name);
        m_assembler.addVolume(volume);
    }
}

void KubernetesImporter::importContainer(const YamlField &containerField)
{
    YamlMap container(m_context, containerField);
    const auto name = m_context.string(container.take("name"));
    const qsizetype index = m_assembler.addContainer(name.value_or(u"container"_s));
    Container &target = m_assembler.container(index);
    const auto image = m_context.string(container.take("image"));
    if (image && !image->isEmpty())
        target.image.reference = *image;
    else
        m_context.error(containerField,
                        u"container %1 has no image: set the image it runs"_s.arg(target.name));
    target.command = m_context.stringList(container.take("command")).value_or(QStringList());
    target.args = m_context.stringList(container.take("args")).value_or(QStringList());
    target.workingDir = m_context.string(container.take("workingDir")).value_or(QString());
    importEnv(index, container.take("env"));
    m_portNumbers.clear();
    importPorts(index, container.take("ports"));
    importResources(index, container.take("resources"));
    importVolumeMounts(index, container.take("volumeMounts"));
    importProbes(index, container);
    container.warnUnused([](const YamlField &field) { return containerAdvice(field.key); });
    m_assembler.applyDefaultResources(index, containerField);
}

void KubernetesImporter::importEnv(qsizetype index, const YamlField &env)
{
    for (const YamlField &variableField : m_context.elements(env)) {
        YamlMap variable(m_context, variableField);
        const auto name = m_context.string(variable.take("name"));
        const auto value = m_context.string(variable.take("value"));
        const YamlField valueFrom = variable.take("valueFrom");
        variable.warnUnused();
        if (!name)
            continue;
        if (!valueFrom) {
            m_assembler.container(index).env.append(
                EnvVar{*name, value.value_or(QString()), std::nullopt});
            continue;
        }
        YamlMap source(m_context, valueFrom);
        const YamlField secretRef = source.take("secretKeyRef");
        if (!secretRef) {
            const QString from = source.remainingKeys().value(0, u"valueFrom"_s);
            source.takeAll();
            m_context.warn(valueFrom, u"%1 takes its value from %2, which Berth cannot provide: "
                                      u"it is not set; give it a value (or a "
                                      u"secretKeyRef)"_s.arg(*name, from));
            continue;
        }
        YamlMap ref(m_context, secretRef);
        const QString secret = m_context.string(ref.take("name")).value_or(QString());
        const QString key = m_context.string(ref.take("key")).value_or(QString());
        ref.warnUnused([](const YamlField &field) {
            if (field.key == u"optional")
                return u"`optional` is not kept: the secret must be supplied when you deploy"_s;
            return noEquivalent(field.key);
        });
        source.warnUnused();
        m_assembler.container(index).env.append(
            EnvVar{*name, QString(), SecretKeyRef{toDnsLabel(secret, secret), key}});
    }
}

// Protocol: HTTP for a port named "http" or "http-..." or a common web port, TCP otherwise.
void KubernetesImporter::importPorts(qsizetype index, const YamlField &ports)
{
    for (const YamlField &portField : m_context.elements(ports)) {
        YamlMap entry(m_context, portField);
        const auto containerPort = m_context.integer(entry.take("containerPort"), 1, 65535);
        const QString name = m_context.string(entry.take("name")).value_or(QString());
        const QString protocol =
            m_context.string(entry.take("protocol")).value_or(u"TCP"_s).toUpper();
        const auto hostPort = m_context.integer(entry.take("hostPort"), 1, 65535);
        const YamlField hostIp = entry.take("hostIP");
        entry.warnUnused();
        if (!containerPort) {
            m_context.warn(portField, u"a port without containerPort is ignored"_s);
            continue;
        }
        if (!name.isEmpty())
            m_portNumbers.insert(name, int(*containerPort));
        if (protocol != u"TCP") {
            m_context.warn(portField, unpublishedProtocol(protocol, int(*containerPort)));
            continue;
        }
        if (hostIp)
            m_context.warn(hostIp, u"`hostIP` is not kept: Berth publishes ports on the "
                                   u"provider's public address"_s);
        Port port;
        port.name = name;
        port.containerPort = int(*containerPort);
        const bool http =
            isCommonHttpPort(port.containerPort) || name == u"http" || name.startsWith(u"http-");
        port.protocol = http ? PortProtocol::Http : PortProtocol::Tcp;
        m_assembler.publish(
            index, port, hostPort ? std::optional<int>(int(*hostPort)) : std::nullopt, portField);
    }
}

// Limits are what Berth reserves and enforces; requests stand in where there is no limit.
void KubernetesImporter::importResources(qsizetype index, const YamlField &resourcesField)
{
    YamlMap resources(m_context, resourcesField);
    YamlMap limitsMap(m_context, resources.take("limits"));
    YamlMap requests(m_context, resources.take("requests"));
    const auto pick = [&](const char *key) {
        const YamlField limit = limitsMap.take(key);
        const YamlField request = requests.take(key);
        return limit ? limit : request;
    };
    Resources &target = m_assembler.container(index).resources;
    target.cpuMillis = m_context.cpuMillis(pick("cpu")).value_or(0);
    target.memoryBytes = m_context.bytes(pick("memory")).value_or(0);
    target.ephemeralStorageBytes = m_context.bytes(pick("ephemeral-storage")).value_or(0);
    const auto gpus = m_context.integer(pick("nvidia.com/gpu"), 1, limits::MaxGpus);
    if (gpus)
        target.gpu = Gpu{int(*gpus), QString()};
    const auto unknownResource = [](const YamlField &field) {
        return u"resource `%1` has no Berth equivalent and is ignored"_s.arg(field.key);
    };
    limitsMap.warnUnused(unknownResource);
    requests.warnUnused(unknownResource);
    resources.warnUnused();
}

void KubernetesImporter::importVolumeMounts(qsizetype index, const YamlField &mounts)
{
    for (const YamlField &mountField : m_context.elements(mounts)) {
        YamlMap mount(m_context, mountField);
        const auto name = m_context.string(mount.take("name"));
        const auto path = m_context.string(mount.take("mountPath"));
        const bool readOnly = m_context.boolean(mount.take("readOnly")).value_or(false);
        mount.warnUnused([](const YamlField &field) {
            if (field.key == u"subPath" || field.key == u"subPathExpr")
                return u"`%1` is not kept: the whole volume is mounted at mountPath"_s.arg(
                    field.key);
            return noEquivalent(field.key);
        });
        if (!name || !path || m_unmappedVolumes.contains(*name))
            continue; // an unmapped volume was reported with its mounts
        const QString volume = m_volumeNames.value(*name);
        if (volume.isEmpty()) {
            m_context.warn(mountField, u"volume %1 is not among the pod's volumes: this mount is "
                                       u"ignored"_s.arg(*name));
            continue;
        }
        m_assembler.container(index).volumeMounts.append(
            VolumeMount{volume, *path, readOnly || m_readOnlyVolumes.contains(*name)});
    }
}

void KubernetesImporter::importProbes(qsizetype index, YamlMap &container)
{
    const YamlField liveness = container.take("livenessProbe");
    const YamlField readiness = container.take("readinessProbe");
    const YamlField startup = container.take("startupProbe");
    if (const YamlField &chosen = liveness ? liveness : readiness; chosen)
        m_assembler.container(index).healthCheck = probe(chosen);
    if (liveness && readiness)
        m_context.warn(readiness, u"`readinessProbe` is not kept: Berth runs one health check "
                                  u"per container, made from livenessProbe"_s);
    if (startup)
        m_context.warn(startup, u"`startupProbe` is not kept: give the health check an "
                                u"initialDelaySeconds long enough for the container to start"_s);
}

std::optional<HealthCheck> KubernetesImporter::probe(const YamlField &probeField)
{
    YamlMap map(m_context, probeField);
    const YamlField httpGet = map.take("httpGet");
    const YamlField tcpSocket = map.take("tcpSocket");
    const YamlField exec = map.take("exec");
    const YamlField grpc = map.take("grpc");
    HealthCheck check;
    check.initialDelaySeconds = int(
        m_context.integer(map.take("initialDelaySeconds"), 0, limits::MaxProbeSeconds).value_or(0));
    check.periodSeconds =
        int(m_context.integer(map.take("periodSeconds"), 1, limits::MaxProbeSeconds).value_or(10));
    const YamlField timeoutField = map.take("timeoutSeconds");
    check.timeoutSeconds =
        int(m_context.integer(timeoutField, 1, limits::MaxProbeSeconds).value_or(1));
    check.failureThreshold =
        int(m_context.integer(map.take("failureThreshold"), 1, limits::MaxFailureThreshold)
                .value_or(3));
    const YamlField successField = map.take("successThreshold");
    if (m_context.integer(successField, 1, 100).value_or(1) != 1)
        m_context.warn(successField, u"`successThreshold` is not kept: one success makes the "
                                     u"container healthy again"_s);
    map.warnUnused();
    if (check.timeoutSeconds > check.periodSeconds) {
        m_context.warn(timeoutField,
                       u"a timeout of %1s is longer than the period: Berth checks "
                       u"every %2s and waits at most that long"_s.arg(check.timeoutSeconds)
                           .arg(check.periodSeconds));
        check.timeoutSeconds = check.periodSeconds;
    }
    if (httpGet) {
        YamlMap http(m_context, httpGet);
        check.kind = HealthCheckKind::Http;
        check.path = m_context.string(http.take("path")).value_or(u"/"_s);
        const auto port = probePort(http.take("port"));
        const YamlField scheme = http.take("scheme");
        http.warnUnused([](const YamlField &field) {
            return u"`%1` is not kept: Berth sends a plain GET of the path"_s.arg(field.key);
        });
        if (m_context.string(scheme).value_or(u"HTTP"_s).toUpper() == u"HTTPS") {
            check.kind = HealthCheckKind::Tcp;
            m_context.warn(scheme, u"HTTPS checks are not supported: Berth checks that the port "
                                   u"accepts connections instead"_s);
        }
        if (!port)
            return std::nullopt;
        check.port = *port;
        return check;
    }
    if (tcpSocket) {
        YamlMap tcp(m_context, tcpSocket);
        check.kind = HealthCheckKind::Tcp;
        const auto port = probePort(tcp.take("port"));
        tcp.warnUnused();
        if (!port)
            return std::nullopt;
        check.port = *port;
        return check;
    }
    if (exec) {
        YamlMap command(m_context, exec);
        check.kind = HealthCheckKind::Exec;
        check.command = m_context.stringList(command.take("command")).value_or(QStringList());
        command.warnUnused();
        if (!check.command.isEmpty())
            return check;
    }
    if (grpc)
        m_context.warn(grpc, u"gRPC probes are not supported: use an exec check (such as "
                             u"grpc_health_probe) or a TCP check of the port"_s);
    else
        m_context.warn(probeField, u"a probe without httpGet, tcpSocket or exec (with a command) "
                                   u"cannot be mapped: the container has no health check"_s);
    return std::nullopt;
}

std::optional<int> KubernetesImporter::probePort(const YamlField &port)
{
    const auto text = m_context.string(port);
    if (!text) {
        m_context.warn(port, u"the probe names no port: the container has no health check"_s);
        return std::nullopt;
    }
    bool isNumber = false;
    const int number = text->toInt(&isNumber);
    if (isNumber && number >= 1 && number <= 65535)
        return number;
    if (const auto named = m_portNumbers.constFind(*text); named != m_portNumbers.cend())
        return *named;
    m_context.warn(port, u"port %1 is not a port of this container: the container has no health "
                         u"check"_s.arg(*text));
    return std::nullopt;
}

} // namespace berth::manifest

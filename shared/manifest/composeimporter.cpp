#include "manifest/composeimporter.h"

#include "manifest/importhelpers.h"
#include "manifest/quantity.h"

#include <array>

using namespace Qt::StringLiterals;

namespace berth::manifest {

using namespace importing;

namespace {

// Compose's healthcheck defaults (compose-spec).
constexpr int DefaultHealthcheckSeconds = 30;
constexpr int DefaultHealthcheckRetries = 3;

// A Kubernetes-style label: optional DNS prefix and '/', a name of up to 63
// characters, a value of up to 63; both alphanumeric at the ends.
bool isLabelPart(const QString &text, bool allowEmpty)
{
    if (text.isEmpty())
        return allowEmpty;
    if (text.size() > limits::MaxLabelValueLength || !text.front().isLetterOrNumber() ||
        !text.back().isLetterOrNumber())
        return false;
    return std::all_of(text.cbegin(), text.cend(), [](QChar c) {
        return c.unicode() < 128 && (c.isLetterOrNumber() || c == u'-' || c == u'_' || c == u'.');
    });
}

bool isLabel(const QString &key, const QString &value)
{
    const auto slash = key.indexOf(u'/');
    const QString prefix = slash < 0 ? QString() : key.left(slash);
    const QString name = slash < 0 ? key : key.mid(slash + 1);
    return prefix.size() <= limits::MaxLabelKeyPrefixLength && isLabelPart(name, false) &&
           (slash < 0 || isLabelPart(prefix, false)) && isLabelPart(value, true);
}

// Advice for service keys Berth has no field for; the default says just that.
QString serviceKeyAdvice(const QString &key, const QString &container)
{
    static const QStringList privileges{
        u"privileged"_s,          u"cap_add"_s,     u"cap_drop"_s, u"security_opt"_s, u"devices"_s,
        u"device_cgroup_rules"_s, u"userns_mode"_s, u"pid"_s,      u"ipc"_s,          u"cgroup"_s,
        u"cgroup_parent"_s,       u"sysctls"_s,     u"ulimits"_s,  u"group_add"_s};
    static const QStringList networking{u"network_mode"_s,  u"extra_hosts"_s, u"dns"_s,
                                        u"dns_search"_s,    u"dns_opt"_s,     u"mac_address"_s,
                                        u"external_links"_s};
    if (key == u"env_file")
        return u"`env_file` is not read: Berth cannot see your files; copy the variables into "
               u"`environment` (and passwords into secrets)"_s;
    if (key == u"container_name" || key == u"hostname" || key == u"domainname")
        return u"`%1` is not used: the container is named %2 after its service, and the other "
               u"containers reach it by that name"_s.arg(key, container);
    if (key == u"user")
        return u"`user` is not used: the container runs as the image's user; set USER in the "
               u"image instead"_s;
    if (privileges.contains(key))
        return u"`%1` is not used: Berth runs containers without extra privileges, host devices "
               u"or host namespaces"_s.arg(key);
    if (networking.contains(key))
        return u"`%1` is not used: the provider sets up the pod's network; its containers reach "
               u"each other by service name"_s.arg(key);
    if (key == u"logging")
        return u"`logging` is not used: Berth collects each container's output itself"_s;
    if (key == u"profiles")
        return u"`profiles` is not used: every service of the file is imported; remove the ones "
               u"you do not want from the Berth manifest"_s;
    if (key == u"configs")
        return u"`configs` are not imported: bake the files into the image, or store them in a "
               u"secret and mount it"_s;
    return noEquivalent(key);
}

std::optional<RestartPolicy> restartPolicyFromCompose(QString value)
{
    value = value.section(u':', 0, 0);
    if (value == u"always" || value == u"unless-stopped" || value == u"any")
        return RestartPolicy::Always;
    if (value == u"on-failure")
        return RestartPolicy::OnFailure;
    if (value == u"no" || value == u"none" || value == u"false")
        return RestartPolicy::Never;
    return std::nullopt;
}

} // namespace

ComposeImporter::ComposeImporter(ImportContext &context)
    : m_context(context)
    , m_assembler(context)
    , m_storage(context, m_assembler)
{}

std::optional<Pod> ComposeImporter::run(const YAML::Node &document)
{
    const YamlField rootField = m_context.root(document);
    if (!document.IsMap()) {
        m_context.error(rootField, u"a compose file is a mapping with a `services` key"_s);
        return std::nullopt;
    }
    m_context.setScalarFilter(
        [this](const QString &text, const YamlField &field) { return interpolate(text, field); });
    YamlMap root(m_context, rootField);
    root.take("version"); // obsolete in compose itself; nothing to map
    const auto name = m_context.string(root.take("name"));
    const YamlField services = root.take("services");
    if (!services.isMap() || services.node.size() == 0) {
        m_context.error(services, u"the file has no services: a compose file lists its "
                                  u"containers under `services`"_s);
        return std::nullopt;
    }
    m_storage.readVolumeDefinitions(root.take("volumes"));
    m_storage.readSecretDefinitions(root.take("secrets"));

    YamlMap serviceMap(m_context, services);
    for (const YamlField &service : serviceMap.takeAll())
        importService(service);

    // x-* keys are compose's own extension fields (anchors for reuse): compose ignores them too.
    for (const QString &key : root.remainingKeys()) {
        if (key.startsWith(u"x-"))
            root.take(key.toStdString());
    }
    root.warnUnused([](const YamlField &field) {
        if (field.key == u"networks")
            return u"`networks` are not needed: the containers of a Berth pod share one network "
                   u"and reach each other by service name"_s;
        if (field.key == u"include")
            return u"included files are not imported: import them separately or merge them "
                   u"into this file"_s;
        return serviceKeyAdvice(field.key, QString());
    });

    Pod pod = m_assembler.finish();
    pod.metadata.name =
        name ? toDnsLabel(*name, pod.containers.value(0).name) : pod.containers.value(0).name;
    return pod;
}

void ComposeImporter::importService(const YamlField &serviceField)
{
    m_serviceName = serviceField.key;
    const qsizetype index = m_assembler.addContainer(serviceField.key);
    YamlMap service(m_context, serviceField);
    importImage(index, service);
    importCommand(index, service);
    importEnvironment(index, service.take("environment"));
    importPorts(index, service.take("ports"));
    importExpose(index, service.take("expose"));
    m_storage.importVolumes(index, service.take("volumes"));
    m_storage.importTmpfs(index, service.take("tmpfs"));
    importDeploy(index, service.take("deploy"));
    importServiceLevelResources(index, service);
    importHealthcheck(index, service.take("healthcheck"));
    m_storage.importSecrets(index, service.take("secrets"));
    importRestart(service.take("restart"));
    importLabels(service.take("labels"));
    importNetworking(service);
    if (const auto workingDir = m_context.string(service.take("working_dir")))
        m_assembler.container(index).workingDir = *workingDir;
    if (const YamlField dependsOn = service.take("depends_on")) {
        QStringList names;
        if (dependsOn.isMap())
            names = YamlMap(m_context, dependsOn).remainingKeys();
        else
            names = m_context.stringList(dependsOn).value_or(QStringList());
        m_context.warn(dependsOn,
                       startOrderAdvice(dependsOn.key, m_serviceName, names.join(u", "_s)));
    }
    const QString container = m_assembler.container(index).name;
    service.warnUnused(
        [&](const YamlField &field) { return serviceKeyAdvice(field.key, container); });
    m_assembler.applyDefaultResources(index, serviceField);
}

void ComposeImporter::importImage(qsizetype index, YamlMap &service)
{
    const auto image = m_context.string(service.take("image"));
    const YamlField build = service.take("build");
    if (image && !image->isEmpty()) {
        m_assembler.container(index).image.reference = *image;
        if (build)
            m_context.warn(build, u"`build` is not used: Berth runs the image %1; make sure it "
                                  u"is pushed where the provider can pull it"_s.arg(*image));
        return;
    }
    if (build)
        m_context.error(build, u"service %1 has `build` but no `image`: Berth runs built images "
                               u"only; build and push it, then set `image` to its "
                               u"reference"_s.arg(m_serviceName));
    else
        m_context.error(service.field(),
                        u"service %1 has no `image`: set the image it runs"_s.arg(m_serviceName));
}

void ComposeImporter::importCommand(qsizetype index, YamlMap &service)
{
    // entrypoint replaces the image's ENTRYPOINT (Berth's command), command its CMD (args).
    const std::array<std::pair<const char *, QStringList Container::*>, 2> fields{
        {{"entrypoint", &Container::command}, {"command", &Container::args}}};
    for (const auto &[key, member] : fields) {
        const YamlField field = service.take(key);
        if (field.isEmpty())
            continue;
        std::optional<QStringList> words;
        if (field.isScalar()) {
            const auto text = m_context.string(field);
            words = splitShellWords(text.value_or(QString()));
            if (!words) {
                m_context.error(field, u"cannot split `%1` into words: a quote is not closed"_s.arg(
                                           text.value_or(QString())));
                continue;
            }
        } else {
            words = m_context.stringList(field);
        }
        if (words && words->isEmpty())
            m_context.warn(field, u"an empty `%1` cannot be expressed: the image's own is "
                                  u"used"_s.arg(field.key));
        else if (words)
            m_assembler.container(index).*member = *words;
    }
}

void ComposeImporter::importEnvironment(qsizetype index, const YamlField &environment)
{
    auto add = [&](const QString &name, const std::optional<QString> &value,
                   const YamlField &field) {
        if (!value) {
            m_context.warn(field, u"%1 takes its value from your shell, which Berth cannot read: "
                                  u"it is not set; give it a value (or use a secret)"_s.arg(name));
            return;
        }
        m_assembler.container(index).env.append(EnvVar{name, *value, std::nullopt});
    };
    if (environment.isMap()) {
        YamlMap variables(m_context, environment);
        for (const YamlField &variable : variables.takeAll())
            add(variable.key,
                variable.isEmpty() ? std::optional<QString>()
                                   : m_context.string(variable).value_or(QString()),
                variable);
        return;
    }
    for (const YamlField &item : m_context.elements(environment)) {
        const auto text = m_context.string(item);
        if (!text)
            continue;
        const auto equals = text->indexOf(u'=');
        add(text->left(equals), equals < 0 ? std::optional<QString>() : text->mid(equals + 1),
            item);
    }
}

void ComposeImporter::importPorts(qsizetype index, const YamlField &ports)
{
    for (const YamlField &port : m_context.elements(ports)) {
        if (port.isMap())
            importLongPort(index, port);
        else
            importShortPort(index, port);
    }
}

void ComposeImporter::importShortPort(qsizetype index, const YamlField &port)
{
    // [host_ip:][host_port:]container_port[/protocol]; the host IP may be [IPv6].
    const auto text = m_context.string(port);
    if (!text)
        return;
    QString rest = *text;
    QString protocol = u"tcp"_s;
    if (const auto slash = rest.lastIndexOf(u'/'); slash >= 0) {
        protocol = rest.mid(slash + 1).toLower();
        rest.truncate(slash);
    }
    QString hostIp;
    if (rest.startsWith(u'[')) {
        const auto close = rest.indexOf(u"]:"_s);
        hostIp = rest.mid(1, close - 1);
        rest = close < 0 ? QString() : rest.mid(close + 2);
    }
    QStringList parts = rest.split(u':');
    if (parts.size() > 2) {
        hostIp = parts.mid(0, parts.size() - 2).join(u':');
        parts = parts.mid(parts.size() - 2);
    }
    const QString containerText = parts.constLast();
    const QString hostText = parts.size() == 2 ? parts.constFirst() : QString();
    if (containerText.contains(u'-') || hostText.contains(u'-')) {
        m_context.warn(port, u"port range %1 is not published: Berth publishes single ports; "
                             u"list each port you need"_s.arg(*text));
        return;
    }
    bool containerOk = false;
    bool hostOk = hostText.isEmpty();
    const int containerPort = containerText.toInt(&containerOk);
    const int hostPort = hostText.isEmpty() ? 0 : hostText.toInt(&hostOk);
    if (!containerOk || !hostOk || containerPort < 1 || containerPort > 65535 || hostPort < 0 ||
        hostPort > 65535) {
        m_context.warn(port, u"\"%1\" is not a port mapping (write \"8080:80\" or \"80\"): it "
                             u"is ignored"_s.arg(*text));
        return;
    }
    publishPort(index,
                {containerPort, hostPort > 0 ? std::optional<int>(hostPort) : std::nullopt,
                 protocol, hostIp, QString()},
                port, port);
}

void ComposeImporter::importLongPort(qsizetype index, const YamlField &port)
{
    YamlMap entry(m_context, port);
    const auto target = m_context.integer(entry.take("target"), 1, 65535);
    const YamlField publishedField = entry.take("published");
    const auto published = m_context.string(publishedField);
    const auto protocol = m_context.string(entry.take("protocol")).value_or(u"tcp"_s).toLower();
    const auto appProtocol = m_context.string(entry.take("app_protocol")).value_or(QString());
    const YamlField hostIpField = entry.take("host_ip");
    const auto hostIp = m_context.string(hostIpField).value_or(QString());
    entry.take("mode"); // host or ingress: how swarm routes it; Berth publishes either way
    entry.take("name"); // Berth names ports "<container>-<port>"
    entry.warnUnused();
    if (!target) {
        m_context.warn(port, u"a port without `target` is ignored: set the container port"_s);
        return;
    }
    std::optional<int> hostPort;
    if (published) {
        bool ok = false;
        const int value = published->toInt(&ok);
        if (!ok || value < 1 || value > 65535) {
            m_context.warn(publishedField,
                           u"published port \"%1\" is not kept: Berth publishes single ports; "
                           u"the provider picks the public port"_s.arg(*published));
        } else {
            hostPort = value;
        }
    }
    publishPort(index, {int(*target), hostPort, protocol, hostIp, appProtocol}, port, hostIpField);
}

void ComposeImporter::publishPort(qsizetype index, const PortMapping &mapping,
                                  const YamlField &source, const YamlField &hostIpSource)
{
    if (mapping.protocol != u"tcp") {
        m_context.warn(source, unpublishedProtocol(mapping.protocol, mapping.containerPort));
        return;
    }
    if (!mapping.hostIp.isEmpty() && mapping.hostIp != u"0.0.0.0" && mapping.hostIp != u"::")
        m_context.warn(hostIpSource,
                       u"host address %1 is not kept: Berth publishes port %2 on the provider's "
                       u"public address; remove the port if it must stay private"_s.arg(
                           mapping.hostIp, QString::number(mapping.containerPort)));
    Port port;
    port.containerPort = mapping.containerPort;
    const bool http = mapping.appProtocol.isEmpty() ? isCommonHttpPort(mapping.containerPort)
                                                    : mapping.appProtocol.toLower() == u"http";
    port.protocol = http ? PortProtocol::Http : PortProtocol::Tcp;
    m_assembler.publish(index, port, mapping.hostPort, source);
}

void ComposeImporter::importExpose(qsizetype index, const YamlField &expose)
{
    // Ports only the other services reach: in a pod they need no Berth port,
    // but two containers must not listen on the same one.
    for (const YamlField &item : m_context.elements(expose)) {
        const QString text = m_context.string(item).value_or(QString()).section(u'/', 0, 0);
        bool ok = false;
        const int port = text.toInt(&ok);
        if (ok && port >= 1 && port <= 65535)
            m_assembler.claimPort(index, port, item);
    }
}

void ComposeImporter::importDeploy(qsizetype index, const YamlField &deployField)
{
    YamlMap deploy(m_context, deployField);
    const YamlField replicasField = deploy.take("replicas");
    if (const auto replicas = m_context.integer(replicasField, 0, limits::MaxReplicas))
        m_assembler.requestReplicas(int(*replicas), replicasField);
    const YamlField mode = deploy.take("mode");
    if (const auto text = m_context.string(mode); text && *text != u"replicated")
        m_context.warn(mode, u"mode %1 has no Berth equivalent: the pod runs as many replicas "
                             u"as `replicas` says"_s.arg(*text));
    importResources(index, deploy.take("resources"));
    YamlMap restartPolicy(m_context, deploy.take("restart_policy"));
    importRestart(restartPolicy.take("condition"));
    restartPolicy.warnUnused([](const YamlField &field) {
        return u"`%1` is not kept: Berth restarts containers by the pod's restart policy"_s.arg(
            field.key);
    });
    deploy.warnUnused([](const YamlField &field) {
        if (field.key == u"placement")
            return u"`placement` is not kept: the pod runs on the provider you choose"_s;
        if (field.key == u"update_config" || field.key == u"rollback_config")
            return u"`%1` is not kept: Berth replaces a pod's replicas itself on update"_s.arg(
                field.key);
        return noEquivalent(field.key);
    });
}

// Limits are what Berth reserves and enforces; a reservation is used where no
// limit is given, and reported where it differs from the limit.
void ComposeImporter::importResources(qsizetype index, const YamlField &resourcesField)
{
    YamlMap resources(m_context, resourcesField);
    YamlMap limitsMap(m_context, resources.take("limits"));
    YamlMap reservations(m_context, resources.take("reservations"));
    const auto limitCpu = m_context.cpuMillis(limitsMap.take("cpus"));
    const auto limitMemory = ComposeStorage::readBytes(m_context, limitsMap.take("memory"));
    const YamlField reservedCpuField = reservations.take("cpus");
    const YamlField reservedMemoryField = reservations.take("memory");
    const auto reservedCpu = m_context.cpuMillis(reservedCpuField);
    const auto reservedMemory = ComposeStorage::readBytes(m_context, reservedMemoryField);
    importGpuDevices(index, reservations.take("devices"));
    limitsMap.warnUnused();
    reservations.warnUnused();
    resources.warnUnused();

    Resources &target = m_assembler.container(index).resources;
    target.cpuMillis = limitCpu.value_or(reservedCpu.value_or(0));
    target.memoryBytes = limitMemory.value_or(reservedMemory.value_or(0));
    if (limitCpu && reservedCpu && *limitCpu != *reservedCpu)
        m_context.warn(
            reservedCpuField,
            u"the CPU reservation %1 is not kept: Berth reserves the limit, %2"_s.arg(
                quantity::formatCpuMillis(*reservedCpu), quantity::formatCpuMillis(*limitCpu)));
    if (limitMemory && reservedMemory && *limitMemory != *reservedMemory)
        m_context.warn(
            reservedMemoryField,
            u"the memory reservation %1 is not kept: Berth reserves the limit, %2"_s.arg(
                quantity::formatBytes(*reservedMemory), quantity::formatBytes(*limitMemory)));
}

void ComposeImporter::importGpuDevices(qsizetype index, const YamlField &devices)
{
    int gpus = 0;
    for (const YamlField &device : m_context.elements(devices)) {
        YamlMap entry(m_context, device);
        const auto capabilities = m_context.stringList(entry.take("capabilities"));
        const YamlField countField = entry.take("count");
        const auto deviceIds = m_context.stringList(entry.take("device_ids"));
        entry.take("driver"); // Berth asks for a GPU by count (and model), not by driver
        entry.warnUnused();
        if (!capabilities || !capabilities->contains(u"gpu"_s)) {
            m_context.warn(device, u"a device reservation without the `gpu` capability has no "
                                   u"Berth equivalent and is ignored"_s);
            continue;
        }
        if (m_context.string(countField).value_or(u"all"_s) == u"all" && !deviceIds) {
            m_context.warn(countField, u"a reservation of all GPUs is not kept: Berth reserves "
                                       u"the number you ask for; 1 is used"_s);
            gpus += 1;
        } else if (deviceIds && !countField) {
            gpus += int(deviceIds->size());
        } else if (const auto count = m_context.integer(countField, 1, limits::MaxGpus)) {
            gpus += int(*count);
        }
    }
    if (gpus > 0)
        m_assembler.container(index).resources.gpu = Gpu{gpus, QString()};
}

// The compose file format 2 spellings: cpus, mem_limit, mem_reservation.
void ComposeImporter::importServiceLevelResources(qsizetype index, YamlMap &service)
{
    Resources &resources = m_assembler.container(index).resources;
    const YamlField cpusField = service.take("cpus");
    if (const auto cpus = m_context.cpuMillis(cpusField)) {
        if (resources.cpuMillis == 0)
            resources.cpuMillis = *cpus;
        else
            m_context.warn(cpusField, u"`cpus` is not used: deploy.resources sets the CPU"_s);
    }
    for (const char *key : {"mem_limit", "mem_reservation"}) {
        const YamlField field = service.take(key);
        if (const auto memory = ComposeStorage::readBytes(m_context, field)) {
            if (resources.memoryBytes == 0)
                resources.memoryBytes = *memory;
            else if (resources.memoryBytes != *memory)
                m_context.warn(field, u"`%1` is not used: the container gets %2 of memory"_s.arg(
                                          field.key, quantity::formatBytes(resources.memoryBytes)));
        }
    }
}

void ComposeImporter::importHealthcheck(qsizetype index, const YamlField &healthcheckField)
{
    YamlMap healthcheck(m_context, healthcheckField);
    if (m_context.boolean(healthcheck.take("disable")).value_or(false)) {
        healthcheck.takeAll(); // Berth runs no check unless asked: nothing to turn off
        return;
    }
    const YamlField test = healthcheck.take("test");
    QStringList command;
    if (test.isScalar()) {
        command = {u"/bin/sh"_s, u"-c"_s, m_context.string(test).value_or(QString())};
    } else if (const auto list = m_context.stringList(test); list && !list->isEmpty()) {
        if (list->constFirst() == u"NONE") {
            healthcheck.takeAll();
            return;
        }
        if (list->constFirst() == u"CMD-SHELL")
            command = {u"/bin/sh"_s, u"-c"_s, list->mid(1).join(u' ')};
        else
            command = list->constFirst() == u"CMD" ? list->mid(1) : *list;
    }
    if (command.isEmpty()) {
        healthcheck.takeAll();
        if (healthcheckField)
            m_context.warn(healthcheckField,
                           u"a healthcheck without `test` relies on the image's own check, "
                           u"which Berth does not read: add a `test` to keep it"_s);
        return;
    }
    const auto interval = seconds(healthcheck.take("interval"));
    const YamlField timeoutField = healthcheck.take("timeout");
    const auto timeout = seconds(timeoutField);
    const auto retries =
        m_context.integer(healthcheck.take("retries"), 1, limits::MaxFailureThreshold);
    const auto startPeriod = seconds(healthcheck.take("start_period"));
    healthcheck.warnUnused();

    HealthCheck check;
    check.kind = HealthCheckKind::Exec;
    check.command = command;
    check.periodSeconds = std::max(1, interval.value_or(DefaultHealthcheckSeconds));
    // Berth needs timeout <= period; compose's default timeout (30s) simply follows a shorter
    // interval.
    check.timeoutSeconds =
        std::max(1, std::min(timeout.value_or(DefaultHealthcheckSeconds), check.periodSeconds));
    if (timeout && *timeout > check.periodSeconds)
        m_context.warn(timeoutField, u"a timeout of %1s is longer than the interval: Berth "
                                     u"checks every %2s and waits at most that long"_s.arg(*timeout)
                                         .arg(check.periodSeconds));
    check.failureThreshold = int(retries.value_or(DefaultHealthcheckRetries));
    check.initialDelaySeconds = startPeriod.value_or(0);
    m_assembler.container(index).healthCheck = check;
}

// A service without `restart` does not vote: the pod takes the first policy a
// service names, and Berth's default (Always) when none does.
void ComposeImporter::importRestart(const YamlField &restart)
{
    const auto text = m_context.string(restart);
    if (!text)
        return;
    const auto policy = restartPolicyFromCompose(*text);
    if (!policy) {
        m_context.warn(restart, u"restart policy \"%1\" is not known: write always, "
                                u"unless-stopped, on-failure or no"_s.arg(*text));
        return;
    }
    if (text->contains(u':'))
        m_context.warn(restart, u"the retry limit of \"%1\" is not kept: Berth restarts a failed "
                                u"container without a limit"_s.arg(*text));
    m_assembler.requestRestartPolicy(*policy, restart);
}

void ComposeImporter::importLabels(const YamlField &labels)
{
    QList<std::pair<QString, YamlField>> entries; // key=value and the field it came from
    if (labels.isMap()) {
        YamlMap map(m_context, labels);
        for (const YamlField &label : map.takeAll())
            entries.append({label.key + u'=' + m_context.string(label).value_or(QString()), label});
    } else {
        for (const YamlField &label : m_context.elements(labels))
            entries.append({m_context.string(label).value_or(QString()), label});
    }
    QMap<QString, QString> &podLabels = m_assembler.pod().metadata.labels;
    for (const auto &[text, field] : entries) {
        const QString key = text.section(u'=', 0, 0);
        const QString value = text.section(u'=', 1);
        if (!isLabel(key, value)) {
            m_context.warn(field,
                           u"label %1 cannot be a Berth label (a name and a value of up "
                           u"to 63 letters, digits, '-', '_' or '.'): it is ignored"_s.arg(key));
        } else if (podLabels.contains(key) && podLabels.value(key) != value) {
            m_context.warn(field, u"label %1 is already set to \"%2\" by another service: \"%3\" "
                                  u"is ignored (labels belong to the whole pod)"_s.arg(
                                      key, podLabels.value(key), value));
        } else {
            podLabels.insert(key, value);
        }
    }
}

// Names other containers use to reach this one become host aliases of the pod.
void ComposeImporter::importNetworking(YamlMap &service)
{
    const auto links = m_context.stringList(service.take("links"));
    for (const QString &link : links.value_or(QStringList())) {
        if (link.contains(u':'))
            m_assembler.addHostAlias(link.section(u':', 1));
    }
    const YamlField networks = service.take("networks");
    if (!networks)
        return;
    QStringList aliases;
    if (networks.isMap()) {
        YamlMap networkMap(m_context, networks);
        for (const YamlField &network : networkMap.takeAll()) {
            if (!network.isMap())
                continue;
            YamlMap options(m_context, network);
            aliases += m_context.stringList(options.take("aliases")).value_or(QStringList());
        }
    }
    for (const QString &alias : aliases)
        m_assembler.addHostAlias(alias);
    m_context.warn(networks, u"`networks` are not needed: the containers of a Berth pod share one "
                             u"network and reach each other by service name"_s +
                                 (aliases.isEmpty() ? QString()
                                                    : u"; the aliases %1 are kept as host "
                                                      u"aliases"_s.arg(aliases.join(u", "_s))));
}

std::optional<int> ComposeImporter::seconds(const YamlField &field)
{
    const auto text = m_context.string(field);
    if (!text)
        return std::nullopt;
    const auto millis = parseDurationMillis(*text);
    if (!millis || *millis > std::int64_t(limits::MaxProbeSeconds) * 1000) {
        m_context.warn(field, u"\"%1\" is not a duration of at most an hour (write 30s or "
                              u"1m30s): it is ignored"_s.arg(*text));
        return std::nullopt;
    }
    return int((*millis + 999) / 1000);
}

// Compose fills ${VAR}, ${VAR:-default} and $VAR from the shell or a .env file,
// neither of which Berth has: defaults are used, other references stay as
// written, and one warning per value says which.
QString ComposeImporter::interpolate(const QString &text, const YamlField &field)
{
    if (!text.contains(u'$'))
        return text;
    QString result;
    QStringList defaulted;
    QStringList unresolved;
    const auto isNameChar = [](QChar c) { return c.isLetterOrNumber() || c == u'_'; };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const QChar next = i + 1 < text.size() ? text.at(i + 1) : QChar();
        if (c != u'$') {
            result.append(c);
        } else if (next == u'$') {
            result.append(u'$');
            ++i;
        } else if (next == u'{') {
            const auto close = text.indexOf(u'}', i + 2);
            const QString inner = text.mid(i + 2, close < 0 ? -1 : close - i - 2);
            qsizetype nameEnd = 0;
            while (nameEnd < inner.size() && isNameChar(inner.at(nameEnd)))
                ++nameEnd;
            const QStringView op = QStringView(inner).mid(nameEnd);
            if (close >= 0 && (op.startsWith(u":-") || op.startsWith(u"-"))) {
                result.append(op.mid(op.startsWith(u":-") ? 2 : 1));
                defaulted.append(u"${"_s + inner + u'}');
            } else {
                result.append(close < 0 ? text.mid(i) : text.mid(i, close - i + 1));
                unresolved.append(u"${"_s + inner.left(nameEnd) + u'}');
            }
            i = close < 0 ? text.size() : close;
        } else if (next.isLetter() || next == u'_') {
            qsizetype end = i + 1;
            while (end < text.size() && isNameChar(text.at(end)))
                ++end;
            result.append(text.mid(i, end - i));
            unresolved.append(text.mid(i, end - i));
            i = end - 1;
        } else {
            result.append(c);
        }
    }
    QStringList parts;
    if (!defaulted.isEmpty())
        parts.append(u"the defaults of %1 are used"_s.arg(defaulted.join(u", "_s)));
    if (!unresolved.isEmpty())
        parts.append(
            u"%1 is left as written; replace it with the value"_s.arg(unresolved.join(u", "_s)));
    if (!parts.isEmpty())
        m_context.warn(field, u"variables come from your shell or .env file, which Berth cannot "
                              u"read: "_s +
                                  parts.join(u"; "_s));
    return result;
}

} // namespace berth::manifest

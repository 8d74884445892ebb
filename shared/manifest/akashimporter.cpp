#include "manifest/akashimporter.h"

#include "manifest/importhelpers.h"
#include "manifest/quantity.h"

using namespace Qt::StringLiterals;

namespace berth::manifest {

using namespace importing;

namespace {

// The name Akash gives a profile's unnamed storage entry.
const QString DefaultStorage = u"default"_s;
// Akash routes an expose `as: 80` by host name; every other global port is plain TCP.
constexpr int AkashHttpPort = 80;

// SDL sizes come as "512Mi", "1Gi", "1G" and, from older files, "512mi" or "1GB":
// binary suffixes in any case, and decimal ones with a trailing B.
QString normaliseSize(QString text)
{
    text = text.trimmed();
    static const QStringList binary{u"Ki"_s, u"Mi"_s, u"Gi"_s, u"Ti"_s, u"Pi"_s, u"Ei"_s};
    for (const QString &suffix : binary) {
        if (text.endsWith(suffix, Qt::CaseInsensitive))
            return text.chopped(2) + suffix;
    }
    static const QStringList decimal{u"k"_s, u"M"_s, u"G"_s, u"T"_s, u"P"_s, u"E"_s};
    for (const QString &suffix : decimal) {
        if (text.endsWith(suffix + u'B', Qt::CaseInsensitive) ||
            text.endsWith(suffix, Qt::CaseInsensitive))
            return text.left(text.size() - (text.endsWith(u'B', Qt::CaseInsensitive) ? 2 : 1)) +
                   suffix;
    }
    return text;
}

} // namespace

AkashImporter::AkashImporter(ImportContext &context)
    : m_context(context)
    , m_assembler(context)
{}

std::optional<Pod> AkashImporter::run(const YAML::Node &document)
{
    const YamlField rootField = m_context.root(document);
    if (!document.IsMap()) {
        m_context.error(rootField, u"an Akash SDL is a mapping with `services`, `profiles` and "
                                   u"`deployment`"_s);
        return std::nullopt;
    }
    YamlMap root(m_context, rootField);
    const YamlField version = root.take("version");
    if (const auto text = m_context.string(version); text && *text != u"2.0")
        m_context.warn(version, u"SDL version %1 is read as version 2.0"_s.arg(*text));
    const YamlField services = root.take("services");
    if (!services.isMap() || services.node.size() == 0) {
        m_context.error(services, u"the file has no services: an SDL lists its containers under "
                                  u"`services`"_s);
        return std::nullopt;
    }
    readDeployment(root.take("deployment"));
    YamlMap profiles(m_context, root.take("profiles"));
    YamlMap compute(m_context, profiles.take("compute"));
    for (const YamlField &profile : compute.takeAll())
        m_computeFields.insert(profile.key, profile);
    readPlacements(profiles.take("placement"));
    profiles.warnUnused();

    YamlMap serviceMap(m_context, services);
    for (const YamlField &service : serviceMap.takeAll())
        importService(service);

    for (auto it = m_deploymentFields.cbegin(); it != m_deploymentFields.cend(); ++it) {
        if (!services.node[it.key().toStdString()].IsDefined())
            m_context.warn(*it, u"deployment of %1 is ignored: there is no service of that "
                                u"name"_s.arg(it.key()));
    }
    for (auto it = m_computeFields.cbegin(); it != m_computeFields.cend(); ++it) {
        if (!m_profiles.contains(it.key()))
            m_context.warn(*it, u"compute profile %1 is not used by any service's deployment: it "
                                u"is ignored"_s.arg(it.key()));
    }
    root.warnUnused([](const YamlField &field) {
        if (field.key == u"endpoints")
            return u"`endpoints` (IP leases) are not kept: Berth gives TCP ports a public port on "
                   u"the provider's address"_s;
        return noEquivalent(field.key);
    });
    Pod pod = m_assembler.finish();
    pod.metadata.name = pod.containers.value(0).name;
    return pod;
}

void AkashImporter::readDeployment(const YamlField &deployment)
{
    YamlMap services(m_context, deployment);
    for (const YamlField &service : services.takeAll()) {
        m_deploymentFields.insert(service.key, service);
        YamlMap placements(m_context, service);
        const QList<YamlField> groups = placements.takeAll();
        if (groups.isEmpty())
            continue;
        YamlMap group(m_context, groups.constFirst());
        const auto profile = m_context.string(group.take("profile"));
        const YamlField countField = group.take("count");
        const auto count = m_context.integer(countField, 0, limits::MaxReplicas);
        group.warnUnused();
        m_serviceProfiles.insert(service.key, profile.value_or(service.key));
        m_assembler.requestReplicas(int(count.value_or(1)), countField);
        for (const YamlField &other : groups.mid(1))
            m_context.warn(other, u"%1 is also deployed to placement %2: a Berth pod runs on one "
                                  u"provider, so only placement %3 is kept"_s.arg(
                                      service.key, other.key, groups.constFirst().key));
    }
}

void AkashImporter::readPlacements(const YamlField &placements)
{
    YamlMap groups(m_context, placements);
    for (const YamlField &groupField : groups.takeAll()) {
        YamlMap group(m_context, groupField);
        group.warnUnused([](const YamlField &field) {
            if (field.key == u"pricing")
                return u"`pricing` is not kept: Berth providers quote their own prices; compare "
                       u"their quotes when you choose one"_s;
            if (field.key == u"attributes")
                return u"`attributes` are not kept: choose a provider with the region and "
                       u"features you need"_s;
            if (field.key == u"signedBy")
                return u"`signedBy` is not kept: Berth providers prove themselves by their "
                       u"attestation and stake"_s;
            return noEquivalent(field.key);
        });
    }
}

const AkashImporter::Profile *AkashImporter::profileFor(const QString &service,
                                                        const YamlField &serviceField)
{
    if (!m_serviceProfiles.contains(service)) {
        m_context.warn(serviceField, u"service %1 is not listed under `deployment`, so Akash would "
                                     u"not run it: Berth imports it anyway"_s.arg(service));
        return nullptr;
    }
    const QString name = m_serviceProfiles.value(service);
    if (const auto it = m_profiles.constFind(name); it != m_profiles.cend())
        return &*it;
    const auto field = m_computeFields.constFind(name);
    if (field == m_computeFields.cend()) {
        m_context.warn(m_deploymentFields.value(service),
                       u"compute profile %1 is not defined under profiles.compute"_s.arg(name));
        return nullptr;
    }
    return &*m_profiles.insert(name, readProfile(*field));
}

AkashImporter::Profile AkashImporter::readProfile(const YamlField &field)
{
    Profile profile;
    profile.field = field;
    YamlMap definition(m_context, field);
    YamlMap resources(m_context, definition.take("resources"));
    definition.warnUnused();
    YamlMap cpu(m_context, resources.take("cpu"));
    profile.resources.cpuMillis = m_context.cpuMillis(cpu.take("units")).value_or(0);
    cpu.warnUnused();
    YamlMap memory(m_context, resources.take("memory"));
    profile.resources.memoryBytes = size(memory.take("size")).value_or(0);
    memory.warnUnused();
    readStorage(profile, resources.take("storage"));
    profile.resources.gpu = readGpu(resources.take("gpu"));
    resources.warnUnused();
    return profile;
}

// One entry or a list. The unnamed entry is the container's scratch space
// (ephemeral storage); named ones are volumes the service mounts in params.storage.
void AkashImporter::readStorage(Profile &profile, const YamlField &storage)
{
    const QList<YamlField> entries =
        storage.isSequence() ? m_context.elements(storage) : QList<YamlField>{storage};
    for (const YamlField &entryField : entries) {
        if (entryField.isEmpty())
            continue;
        YamlMap entry(m_context, entryField);
        Storage item;
        item.name = m_context.string(entry.take("name")).value_or(DefaultStorage);
        item.sizeBytes = size(entry.take("size")).value_or(0);
        YamlMap attributes(m_context, entry.take("attributes"));
        item.persistent = m_context.boolean(attributes.take("persistent")).value_or(false);
        const YamlField classField = attributes.take("class");
        const QString storageClass = m_context.string(classField).value_or(QString());
        item.memory = storageClass == u"ram";
        if (!storageClass.isEmpty() && !item.memory)
            m_context.warn(classField, u"storage class %1 is not kept: the provider chooses the "
                                       u"disk"_s.arg(storageClass));
        attributes.warnUnused();
        entry.warnUnused();
        if (item.name == DefaultStorage && !item.persistent)
            profile.resources.ephemeralStorageBytes = item.sizeBytes;
        else
            profile.storage.append(item);
    }
}

std::optional<Gpu> AkashImporter::readGpu(const YamlField &gpuField)
{
    YamlMap gpu(m_context, gpuField);
    const auto units = m_context.integer(gpu.take("units"), 0, limits::MaxGpus);
    YamlMap attributes(m_context, gpu.take("attributes"));
    YamlMap vendors(m_context, attributes.take("vendor"));
    QString model;
    for (const YamlField &vendor : vendors.takeAll()) {
        for (const YamlField &modelField : m_context.elements(vendor)) {
            YamlMap entry(m_context, modelField);
            const auto name = m_context.string(entry.take("model"));
            entry.warnUnused([](const YamlField &field) {
                return u"`%1` is not kept: Berth asks for a GPU by model"_s.arg(field.key);
            });
            if (!name)
                continue;
            const QString candidate = toDnsLabel(vendor.key + u'-' + *name, QString());
            if (model.isEmpty())
                model = candidate;
            else
                m_context.warn(modelField, u"GPU model %1 is not kept: Berth asks for one model, "
                                           u"%2"_s.arg(candidate, model));
        }
    }
    attributes.warnUnused();
    gpu.warnUnused();
    if (!units || *units == 0)
        return std::nullopt;
    return Gpu{int(*units), model};
}

void AkashImporter::importService(const YamlField &serviceField)
{
    const qsizetype index = m_assembler.addContainer(serviceField.key);
    YamlMap service(m_context, serviceField);
    Container &container = m_assembler.container(index);
    const auto image = m_context.string(service.take("image"));
    if (image && !image->isEmpty())
        container.image.reference = *image;
    else
        m_context.error(serviceField,
                        u"service %1 has no image: set the image it runs"_s.arg(serviceField.key));
    container.command = commandLine(service.take("command"));
    container.args = commandLine(service.take("args"));
    importEnv(index, service.take("env"));
    importExpose(index, service.take("expose"));
    const Profile *profile = profileFor(serviceField.key, serviceField);
    if (profile)
        m_assembler.container(index).resources = profile->resources;
    YamlMap params(m_context, service.take("params"));
    importStorage(index, params.take("storage"), profile);
    params.warnUnused();
    service.warnUnused([&](const YamlField &field) {
        if (field.key == u"credentials")
            return registryCredentialsAdvice();
        if (field.key == u"dependencies" || field.key == u"depends-on" ||
            field.key == u"depends_on")
            return startOrderAdvice(field.key, serviceField.key, u"what it needs"_s);
        return noEquivalent(field.key);
    });
    m_assembler.applyDefaultResources(index, profile ? profile->field : serviceField);
}

QStringList AkashImporter::commandLine(const YamlField &field)
{
    if (!field.isScalar())
        return m_context.stringList(field).value_or(QStringList());
    const QString text = m_context.string(field).value_or(QString());
    if (const auto words = splitShellWords(text))
        return *words;
    m_context.error(field, u"cannot split `%1` into words: a quote is not closed"_s.arg(text));
    return {};
}

void AkashImporter::importEnv(qsizetype index, const YamlField &env)
{
    for (const YamlField &item : m_context.elements(env)) {
        const auto text = m_context.string(item);
        if (!text)
            continue;
        const auto equals = text->indexOf(u'=');
        if (equals <= 0) {
            m_context.warn(item, u"\"%1\" is not NAME=value: it is ignored"_s.arg(*text));
            continue;
        }
        m_assembler.container(index).env.append(
            EnvVar{text->left(equals), text->mid(equals + 1), std::nullopt});
    }
}

// A global expose `as: 80` is HTTP with its `accept` hosts, as Akash routes it.
// Other global exposes are TCP; an `as` written out is requested as the public
// port (Akash itself picks a random one, so nothing is lost when the provider
// cannot give it). Exposes only to other services need no Berth port: the
// containers share the pod's network.
void AkashImporter::importExpose(qsizetype index, const YamlField &expose)
{
    for (const YamlField &entryField : m_context.elements(expose)) {
        YamlMap entry(m_context, entryField);
        const auto port = m_context.integer(entry.take("port"), 1, 65535);
        const auto as = m_context.integer(entry.take("as"), 1, 65535);
        const QString proto = m_context.string(entry.take("proto")).value_or(u"tcp"_s).toLower();
        const YamlField acceptField = entry.take("accept");
        const QStringList accept = m_context.stringList(acceptField).value_or(QStringList());
        bool global = false;
        for (const YamlField &targetField : m_context.elements(entry.take("to"))) {
            YamlMap target(m_context, targetField);
            global = m_context.boolean(target.take("global")).value_or(false) || global;
            target.take("service"); // reachable anyway: the containers share one network
            target.warnUnused([](const YamlField &field) {
                if (field.key == u"ip")
                    return u"IP endpoints are not kept: Berth gives TCP ports a public port on the "
                           u"provider's address"_s;
                return noEquivalent(field.key);
            });
        }
        entry.warnUnused([](const YamlField &field) {
            if (field.key == u"http_options")
                return u"`http_options` are not kept: the provider's HTTP router applies its own "
                       u"limits"_s;
            return noEquivalent(field.key);
        });
        if (!port) {
            m_context.warn(entryField, u"an expose without `port` is ignored"_s);
            continue;
        }
        if (proto == u"udp") {
            m_context.warn(entryField, unpublishedProtocol(proto, int(*port)));
            continue;
        }
        if (!m_assembler.claimPort(index, int(*port), entryField) || !global)
            continue;
        Port published;
        published.containerPort = int(*port);
        const bool http = as.value_or(*port) == AkashHttpPort;
        published.protocol = http ? PortProtocol::Http : PortProtocol::Tcp;
        if (http)
            published.hosts = accept;
        else if (!accept.isEmpty())
            m_context.warn(acceptField, u"`accept` is not kept: only an expose as port 80 is "
                                        u"served by host name"_s);
        m_assembler.publish(index, published,
                            !http && as ? std::optional<int>(int(*as)) : std::nullopt, entryField);
    }
}

void AkashImporter::importStorage(qsizetype index, const YamlField &params, const Profile *profile)
{
    const QList<Storage> storages = profile ? profile->storage : QList<Storage>();
    QSet<QString> mounted;
    YamlMap mounts(m_context, params);
    for (const YamlField &mountField : mounts.takeAll()) {
        YamlMap mount(m_context, mountField);
        const auto path = m_context.string(mount.take("mount"));
        const bool readOnly = m_context.boolean(mount.take("readOnly")).value_or(false);
        mount.warnUnused();
        const Storage *storage = nullptr;
        for (const Storage &candidate : storages) {
            if (candidate.name == mountField.key)
                storage = &candidate;
        }
        if (!storage || !path) {
            m_context.warn(mountField, u"storage %1 is not mounted: %2"_s.arg(
                                           mountField.key, path ? u"its compute profile does not "
                                                                  u"define it"_s
                                                                : u"it has no `mount` path"_s));
            continue;
        }
        mounted.insert(storage->name);
        const QString name = m_assembler.freeVolumeName(storage->name);
        const VolumeKind kind = storage->persistent ? VolumeKind::Persistent : VolumeKind::EmptyDir;
        std::int64_t bytes = storage->sizeBytes;
        if (storage->persistent && bytes == 0) {
            bytes = DefaultVolumeBytes;
            m_context.warn(mountField, u"storage %1 has no size: Berth creates a persistent volume "
                                       u"of %2; set the size you need"_s.arg(
                                           storage->name, quantity::formatBytes(bytes)));
        }
        m_assembler.addVolume(Volume{name, kind, bytes, {}, {}});
        m_assembler.container(index).volumeMounts.append(VolumeMount{name, *path, readOnly});
    }
    for (const Storage &storage : storages) {
        if (!mounted.contains(storage.name))
            m_context.warn(profile->field, u"storage %1 is not mounted by service %2 (it has no "
                                           u"params.storage entry): it is ignored"_s.arg(
                                               storage.name, m_assembler.container(index).name));
    }
}

std::optional<std::int64_t> AkashImporter::size(const YamlField &field)
{
    const auto text = m_context.string(field);
    if (!text)
        return std::nullopt;
    const auto bytes = quantity::parseBytes(normaliseSize(*text));
    if (!bytes) {
        m_context.warn(field, bytes.error().message + u": it is ignored"_s);
        return std::nullopt;
    }
    return *bytes;
}

} // namespace berth::manifest

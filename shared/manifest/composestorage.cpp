#include "manifest/composestorage.h"

#include "manifest/importhelpers.h"
#include "manifest/quantity.h"
#include "manifest/yamlmap.h"

#include <array>

using namespace Qt::StringLiterals;

namespace berth::manifest {

using namespace importing;

namespace {

// Compose sizes: b, k, kb, m, mb, g, gb (any case), all powers of 1024.
std::optional<std::int64_t> parseComposeBytes(const QString &text)
{
    struct Unit
    {
        QStringView suffix;
        std::int64_t multiplier;
    };
    static const std::array<Unit, 7> units{{{u"kb", limits::KiB},
                                            {u"mb", limits::MiB},
                                            {u"gb", limits::GiB},
                                            {u"k", limits::KiB},
                                            {u"m", limits::MiB},
                                            {u"g", limits::GiB},
                                            {u"b", 1}}};
    const QString lower = text.trimmed().toLower();
    for (const Unit &unit : units) {
        if (lower.endsWith(unit.suffix))
            return quantity::parseScaledDecimal(QStringView(lower).chopped(unit.suffix.size()),
                                                unit.multiplier, 1);
    }
    return quantity::parseScaledDecimal(lower, 1, 1);
}

bool isPathLike(const QString &source)
{
    return source.startsWith(u'.') || source.startsWith(u'/') || source.startsWith(u'~') ||
           source.startsWith(u'$');
}

} // namespace

ComposeStorage::ComposeStorage(ImportContext &context, PodAssembler &assembler)
    : m_context(context)
    , m_assembler(assembler)
{}

std::optional<std::int64_t> ComposeStorage::readBytes(ImportContext &context,
                                                      const YamlField &field)
{
    const auto text = context.string(field);
    if (!text)
        return std::nullopt;
    const auto value = parseComposeBytes(*text);
    if (!value)
        context.warn(field, u"\"%1\" is not a size (write 512m or 1g): it is ignored"_s.arg(*text));
    return value;
}

void ComposeStorage::readVolumeDefinitions(const YamlField &volumes)
{
    YamlMap definitions(m_context, volumes);
    for (const YamlField &volume : definitions.takeAll()) {
        m_volumeDefinitions.insert(volume.key, volume);
        YamlMap options(m_context, volume);
        const YamlField external = options.take("external");
        if (external && m_context.boolean(external).value_or(true))
            m_context.warn(external,
                           u"volume %1 is external (created outside this file): Berth creates a "
                           u"new, empty persistent volume; copy the data into it after "
                           u"deploying"_s.arg(volume.key));
        options.warnUnused([&](const YamlField &field) {
            if (field.key == u"driver" || field.key == u"driver_opts")
                return u"`%1` is not used: Berth volumes live on the provider's storage"_s.arg(
                    field.key);
            return u"`%1` of volume %2 has no Berth equivalent and is ignored"_s.arg(field.key,
                                                                                     volume.key);
        });
    }
}

void ComposeStorage::readSecretDefinitions(const YamlField &secrets)
{
    YamlMap definitions(m_context, secrets);
    for (const YamlField &secret : definitions.takeAll()) {
        m_secretDefinitions.insert(secret.key, secret);
        YamlMap options(m_context, secret);
        QString origin = u"its value"_s;
        if (const auto file = m_context.string(options.take("file")))
            origin = u"it is read from the file %1, which"_s.arg(*file);
        else if (const auto variable = m_context.string(options.take("environment")))
            origin = u"it is read from the environment variable %1, which"_s.arg(*variable);
        else if (options.take("external"))
            origin = u"it is external, which"_s;
        options.take("name");
        m_context.warn(secret, u"secret %1: %2 does not go into a manifest: supply it as key %1 "
                               u"of the Berth secret `%3` when you deploy (it is sealed to the "
                               u"provider)"_s.arg(secret.key, origin, SecretName));
        options.warnUnused();
    }
}

void ComposeStorage::importVolumes(qsizetype index, const YamlField &volumes)
{
    for (const YamlField &volume : m_context.elements(volumes)) {
        if (volume.isMap())
            importLongVolume(index, volume);
        else
            importShortVolume(index, volume);
    }
}

void ComposeStorage::importShortVolume(qsizetype index, const YamlField &volume)
{
    // [source:]target[:options]
    const auto text = m_context.string(volume);
    if (!text || text->isEmpty())
        return;
    QStringList parts = text->split(u':');
    if (parts.size() > 3) {
        m_context.warn(volume, u"\"%1\" is not a volume (write \"name:/path[:ro]\"): it is "
                               u"ignored"_s.arg(*text));
        return;
    }
    QString options;
    if (parts.size() == 3 || (parts.size() == 2 && !parts[1].startsWith(u'/')))
        options = parts.takeLast();
    const QString target = parts.takeLast();
    const QString source = parts.isEmpty() ? QString() : parts.constFirst();
    if (!parts.isEmpty() && isPathLike(source)) {
        m_context.warn(volume, u"bind mount %1 cannot be mapped: the provider has no access to "
                               u"your files; bake them into the image, or use a named volume "
                               u"and copy the data in"_s.arg(*text));
        return;
    }
    bool readOnly = false;
    for (const QString &option : options.split(u',', Qt::SkipEmptyParts)) {
        if (option == u"ro")
            readOnly = true;
        else if (option != u"rw")
            m_context.warn(volume,
                           u"mount option `%1` is not kept: Berth mounts volumes read-write, or "
                           u"read-only with `ro`"_s.arg(option));
    }
    if (source.isEmpty())
        mountAnonymous(index, target, volume);
    else
        mountNamedVolume(index, source, target, readOnly, volume);
}

void ComposeStorage::importLongVolume(qsizetype index, const YamlField &volume)
{
    YamlMap entry(m_context, volume);
    const QString type = m_context.string(entry.take("type")).value_or(u"volume"_s);
    const auto source = m_context.string(entry.take("source"));
    const auto target = m_context.string(entry.take("target"));
    const bool readOnly = m_context.boolean(entry.take("read_only")).value_or(false);
    if (!target) {
        entry.takeAll();
        m_context.warn(volume, u"a volume without `target` is ignored: set where it is mounted"_s);
        return;
    }
    if (type == u"bind") {
        entry.takeAll();
        m_context.warn(volume, u"bind mount of %1 cannot be mapped: the provider has no access to "
                               u"your files; bake them into the image, or use a named volume "
                               u"and copy the data in"_s.arg(source.value_or(QString())));
        return;
    }
    if (type == u"tmpfs") {
        YamlMap tmpfs(m_context, entry.take("tmpfs"));
        const auto size = readBytes(m_context, tmpfs.take("size"));
        tmpfs.warnUnused();
        entry.warnUnused();
        mountScratch(index, *target, size.value_or(0));
        return;
    }
    if (type != u"volume") {
        entry.takeAll();
        m_context.warn(volume, u"a `%1` mount cannot be mapped: Berth mounts volumes, tmpfs and "
                               u"secrets"_s.arg(type));
        return;
    }
    entry.warnUnused();
    if (source && !source->isEmpty())
        mountNamedVolume(index, *source, *target, readOnly, volume);
    else
        mountAnonymous(index, *target, volume);
}

void ComposeStorage::mountNamedVolume(qsizetype index, const QString &source, const QString &target,
                                      bool readOnly, const YamlField &field)
{
    QString name = m_namedVolumes.value(source);
    if (name.isEmpty()) {
        name = m_assembler.freeVolumeName(source);
        m_namedVolumes.insert(source, name);
        m_assembler.addVolume(Volume{name, VolumeKind::Persistent, DefaultVolumeBytes, {}, {}});
        m_context.warn(m_volumeDefinitions.value(source, field),
                       u"volume %1 has no size in a compose file: Berth creates a persistent "
                       u"volume of %2; set the size you need"_s.arg(
                           source, quantity::formatBytes(DefaultVolumeBytes)));
    }
    m_assembler.container(index).volumeMounts.append(VolumeMount{name, target, readOnly});
}

// Anonymous volumes and tmpfs: scratch space that lives as long as the pod.
void ComposeStorage::mountScratch(qsizetype index, const QString &target, std::int64_t sizeBytes)
{
    Container &container = m_assembler.container(index);
    const QString name = m_assembler.freeVolumeName(container.name + u"-scratch"_s);
    m_assembler.addVolume(Volume{name, VolumeKind::EmptyDir, sizeBytes, {}, {}});
    container.volumeMounts.append(VolumeMount{name, target, false});
}

void ComposeStorage::mountAnonymous(qsizetype index, const QString &target, const YamlField &field)
{
    m_context.warn(field, u"anonymous volume %1 becomes an emptyDir volume, whose data is lost "
                          u"when the pod is replaced; name it to keep its data"_s.arg(target));
    mountScratch(index, target, 0);
}

void ComposeStorage::importTmpfs(qsizetype index, const YamlField &tmpfs)
{
    // "/run" or "/run:size=64m,mode=1777", alone or in a list.
    const QList<YamlField> entries =
        tmpfs.isSequence() ? m_context.elements(tmpfs) : QList<YamlField>{tmpfs};
    for (const YamlField &entry : entries) {
        const auto text = m_context.string(entry);
        if (!text || text->isEmpty())
            continue;
        std::int64_t size = 0;
        const QString target = text->section(u':', 0, 0);
        for (const QString &option : text->section(u':', 1).split(u',', Qt::SkipEmptyParts)) {
            if (option.startsWith(u"size="))
                size = parseComposeBytes(option.mid(5)).value_or(0);
            else
                m_context.warn(entry, u"tmpfs option `%1` is not kept"_s.arg(option));
        }
        mountScratch(index, target, size);
    }
}

void ComposeStorage::importSecrets(qsizetype index, const YamlField &secrets)
{
    QList<SecretItem> items;
    for (const YamlField &secret : m_context.elements(secrets)) {
        std::optional<QString> source;
        std::optional<QString> target;
        if (secret.isMap()) {
            YamlMap entry(m_context, secret);
            source = m_context.string(entry.take("source"));
            target = m_context.string(entry.take("target"));
            entry.warnUnused([](const YamlField &field) {
                return u"`%1` is not kept: secret files are read-only to every user of the "
                       u"container"_s.arg(field.key);
            });
        } else {
            source = m_context.string(secret);
        }
        if (!source || source->isEmpty())
            continue;
        if (!m_secretDefinitions.contains(*source))
            m_context.warn(secret, u"secret %1 is not defined under the top-level `secrets`: it "
                                   u"is mounted anyway; supply it when you deploy"_s.arg(*source));
        QString path = *source;
        if (target && target->startsWith(SecretsDirectory + u'/'))
            path = target->mid(SecretsDirectory.size() + 1);
        else if (target && target->startsWith(u'/'))
            m_context.warn(secret,
                           u"secret target %1 is not kept: Berth mounts secrets under %2, "
                           u"so the file is %2/%3"_s.arg(*target, SecretsDirectory, *source));
        else if (target && !target->isEmpty())
            path = *target;
        items.append(SecretItem{*source, path});
    }
    if (items.isEmpty())
        return;
    Container &container = m_assembler.container(index);
    const QString name = m_assembler.freeVolumeName(container.name + u"-secrets"_s);
    m_assembler.addVolume(Volume{name, VolumeKind::Secret, 0, SecretName, items});
    container.volumeMounts.append(VolumeMount{name, SecretsDirectory, true});
}

} // namespace berth::manifest

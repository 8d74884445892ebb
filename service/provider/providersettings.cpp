#include "provider/providersettings.h"

#include "chain/listingfields.h"
#include "core/suggest.h"
#include "manifest/diagnostic.h"
#include "manifest/limits.h"
#include "manifest/quantity.h"
#include "manifest/yamlguard.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QUrl>

#include <algorithm>
#include <optional>
#include <unistd.h>
#include <variant>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

enum class Kind
{
    Text,            // any single line
    AbsolutePath,    // "/..."
    Integer,         // within [min, max]
    IpAddress,       // 127.0.0.1, ::1
    DomainName,      // pods.example.com
    HttpUrl,         // http(s)://host[:port]
    LoggingRules,    // category=true|false;...
    TokenAmount,     // "0.02": a decimal number of tokens
    TlsMode,         // acme, internal, off
    Boolean,         // true, false
    WssUrl,          // wss://host[:port][/path]
    NameList,        // "eu-west, us-east": comma-separated names
    Attributes,      // "tier=gold, gpu=a100": comma-separated key=value
    CpuQuantity,     // "8", "0.5", "500m"
    ByteQuantity,    // "32Gi", "1Ti", "1000000"
    LoopbackAddress, // 127.0.0.1, ::1
    OriginList,      // "http://localhost:8080, https://console.example": browser origins
};

using StringMember = QString ProviderSettings::*;
using IntMember = int ProviderSettings::*;
using Int64Member = qint64 ProviderSettings::*;
using BoolMember = bool ProviderSettings::*;

struct KeySpec
{
    QLatin1StringView path; // as in berthd.yaml: "listen.port"
    Kind kind;
    std::variant<StringMember, IntMember, Int64Member, BoolMember> member;
    bool optional = false; // an empty value means "not configured"
    qint64 min = 0;
    qint64 max = 0;
};

const QList<KeySpec> &keySpecs()
{
    using S = ProviderSettings;
    static const QList<KeySpec> specs = {
        {"dataDir"_L1, Kind::AbsolutePath, &S::dataDir},
        {"chain.profile"_L1, Kind::AbsolutePath, &S::chainProfile, true},
        {"wallet.keystore"_L1, Kind::AbsolutePath, &S::walletKeystore, true},
        {"wallet.passwordFile"_L1, Kind::AbsolutePath, &S::walletPasswordFile, true},
        {"wallet.credential"_L1, Kind::Text, &S::walletCredential, true},
        {"listen.address"_L1, Kind::IpAddress, &S::listenAddress},
        {"listen.port"_L1, Kind::Integer, &S::listenPort, false, 1, 65535},
        {"limits.maxFrameBytes"_L1, Kind::Integer, &S::maxFrameBytes, false, 1024,
         64 * manifest::limits::MiB},
        {"limits.requestsPerSecond"_L1, Kind::Integer, &S::requestsPerSecond, false, 1, 10000},
        {"limits.sessionsPerAddress"_L1, Kind::Integer, &S::sessionsPerAddress, false, 1, 1000},
        {"limits.idleTimeoutSeconds"_L1, Kind::Integer, &S::idleTimeoutSeconds, false, 1, 86400},
        {"domain"_L1, Kind::DomainName, &S::domain, true},
        {"tcpPorts.first"_L1, Kind::Integer, &S::tcpPortFirst, false, 1024, 65535},
        {"tcpPorts.last"_L1, Kind::Integer, &S::tcpPortLast, false, 1024, 65535},
        {"billing.claimIntervalSeconds"_L1, Kind::Integer, &S::claimIntervalSeconds, false, 5,
         30 * 86400},
        {"billing.minRunwaySeconds"_L1, Kind::Integer, &S::minRunwaySeconds, false, 0, 365 * 86400},
        {"billing.graceSeconds"_L1, Kind::Integer, &S::graceSeconds, false, 0, 30 * 86400},
        {"tcpPorts.address"_L1, Kind::IpAddress, &S::tcpPortAddress},
        {"upstreamPorts.first"_L1, Kind::Integer, &S::upstreamPortFirst, false, 1024, 65535},
        {"upstreamPorts.last"_L1, Kind::Integer, &S::upstreamPortLast, false, 1024, 65535},
        {"pricing.cpuCoreHour"_L1, Kind::TokenAmount, &S::priceCpuCoreHour, true},
        {"pricing.memoryGiBMonth"_L1, Kind::TokenAmount, &S::priceMemoryGiBMonth, true},
        {"pricing.storageGiBMonth"_L1, Kind::TokenAmount, &S::priceStorageGiBMonth, true},
        {"pricing.gpuHour"_L1, Kind::TokenAmount, &S::priceGpuHour, true},
        {"quote.validSeconds"_L1, Kind::Integer, &S::quoteValidSeconds, false, 10, 86400},
        {"quote.noticeSeconds"_L1, Kind::Integer, &S::quoteNoticeSeconds, false, 0, 30 * 86400},
        {"podman.socket"_L1, Kind::AbsolutePath, &S::podmanSocket},
        {"podman.environmentSecrets"_L1, Kind::Boolean, &S::environmentSecrets},
        {"podman.stopTimeoutSeconds"_L1, Kind::Integer, &S::stopTimeoutSeconds, false, 0, 300},
        {"podman.secretRoot"_L1, Kind::AbsolutePath, &S::secretRoot, true},
        {"caddy.adminUrl"_L1, Kind::HttpUrl, &S::caddyAdminUrl},
        {"caddy.server"_L1, Kind::DomainName, &S::caddyServer},
        {"caddy.listen"_L1, Kind::Text, &S::caddyListen},
        {"caddy.tls"_L1, Kind::TlsMode, &S::caddyTls},
        {"logging.rules"_L1, Kind::LoggingRules, &S::loggingRules, true},
        {"registry.register"_L1, Kind::Boolean, &S::registryRegister},
        {"registry.endpoint"_L1, Kind::WssUrl, &S::registryEndpoint, true},
        {"registry.regions"_L1, Kind::NameList, &S::registryRegions, true},
        {"registry.attributes"_L1, Kind::Attributes, &S::registryAttributes, true},
        {"registry.capacity.cpu"_L1, Kind::CpuQuantity, &S::registryCapacityCpu, true},
        {"registry.capacity.memory"_L1, Kind::ByteQuantity, &S::registryCapacityMemory, true},
        {"registry.capacity.storage"_L1, Kind::ByteQuantity, &S::registryCapacityStorage, true},
        {"registry.capacity.gpus"_L1, Kind::Integer, &S::registryCapacityGpus, false, 0, 1000000},
        {"staking.respond"_L1, Kind::Boolean, &S::stakingRespond},
        {"staking.pollSeconds"_L1, Kind::Integer, &S::stakingPollSeconds, false, 2, 3600},
        {"logs.maxBytesPerDeployment"_L1, Kind::Integer, &S::logsMaxBytesPerDeployment, false,
         64 * 1024, qint64(64) * 1024 * manifest::limits::MiB},
        {"logs.retentionDays"_L1, Kind::Integer, &S::logsRetentionDays, false, 0, 3650},
        {"metrics.intervalSeconds"_L1, Kind::Integer, &S::metricsIntervalSeconds, false, 1, 3600},
        {"metrics.rawRetentionHours"_L1, Kind::Integer, &S::metricsRawRetentionHours, false, 1,
         24 * 30},
        {"metrics.retentionDays"_L1, Kind::Integer, &S::metricsRetentionDays, false, 1, 3650},
        {"metrics.exporter"_L1, Kind::Boolean, &S::metricsExporter},
        {"metrics.listen.address"_L1, Kind::IpAddress, &S::metricsListenAddress},
        {"metrics.listen.port"_L1, Kind::Integer, &S::metricsListenPort, false, 0, 65535},
        {"metrics.tokenFile"_L1, Kind::AbsolutePath, &S::metricsTokenFile, true},
        {"admin.enabled"_L1, Kind::Boolean, &S::adminEnabled},
        {"admin.listen.address"_L1, Kind::LoopbackAddress, &S::adminListenAddress},
        {"admin.listen.port"_L1, Kind::Integer, &S::adminListenPort, false, 0, 65535},
        {"admin.allowedOrigins"_L1, Kind::OriginList, &S::adminAllowedOrigins, true},
        {"admin.maxSessions"_L1, Kind::Integer, &S::adminMaxSessions, false, 1, 64},
    };
    return specs;
}

const KeySpec *findSpec(const QString &path)
{
    const auto &specs = keySpecs();
    const auto it = std::find_if(specs.cbegin(), specs.cend(),
                                 [&](const KeySpec &spec) { return spec.path == path; });
    return it == specs.cend() ? nullptr : &*it;
}

// The keys that may appear under parent ("" for the top level, "registry.capacity"
// for a nested section).
QStringList keysUnder(const QString &parent)
{
    QStringList keys;
    const QString prefix = parent.isEmpty() ? QString() : parent + u'.';
    for (const auto &spec : keySpecs()) {
        const QString path = spec.path;
        if (!path.startsWith(prefix))
            continue;
        const QString rest = path.mid(prefix.size());
        const QString key = rest.section(u'.', 0, 0);
        if (!key.isEmpty() && !keys.contains(key))
            keys.append(key);
    }
    return keys;
}

bool isSection(const QString &key)
{
    return !key.isEmpty() && !keysUnder(key).isEmpty();
}

// Keys that would put a secret into a readable config file.
bool isSecretKey(const QString &key)
{
    static const QStringList secretNames = {u"password"_s, u"passphrase"_s, u"privateKey"_s,
                                            u"secret"_s, u"mnemonic"_s};
    return std::any_of(secretNames.cbegin(), secretNames.cend(), [&](const QString &name) {
        return key.compare(name, Qt::CaseInsensitive) == 0;
    });
}

QString envName(QLatin1StringView path)
{
    QString name = u"BERTH_"_s + QString(path).toUpper();
    name.replace(u'.', u'_');
    return name;
}

bool isDomainName(const QString &text)
{
    static const QRegularExpression label(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
    if (text.size() > manifest::limits::MaxHostNameLength)
        return false;
    const auto labels = text.split(u'.');
    return std::all_of(labels.cbegin(), labels.cend(),
                       [](const QString &l) { return label.match(l).hasMatch(); });
}

QStringList splitList(const QString &text)
{
    QStringList items;
    for (const QString &item : text.split(u',')) {
        const QString trimmed = item.trimmed();
        if (!trimmed.isEmpty())
            items.append(trimmed);
    }
    return items;
}

// The Registry's limits (contracts/src/Registry.sol), checked here so that a bad
// listing is refused when berthd reads its settings, not when it is sent.
constexpr int MaxEndpointBytes = 256;
constexpr int MaxRegions = 16;
constexpr int MaxRegionBytes = 32;
constexpr int MaxAttributes = 16;
constexpr int MaxAttributeKeyBytes = 32;
constexpr int MaxAttributeValueBytes = 128;

std::optional<QString> checkNameList(const QString &text)
{
    const QStringList names = splitList(text);
    if (names.size() > MaxRegions)
        return u"at most %1 regions (got %2)"_s.arg(MaxRegions).arg(names.size());
    for (const QString &name : names) {
        if (name.toUtf8().size() > MaxRegionBytes)
            return u"region \"%1\" is longer than %2 bytes"_s.arg(name).arg(MaxRegionBytes);
        if (names.count(name) > 1)
            return u"region \"%1\" is listed twice"_s.arg(name);
    }
    return std::nullopt;
}

std::optional<QString> checkAttributes(const QString &text)
{
    const QStringList items = splitList(text);
    if (items.size() > MaxAttributes)
        return u"at most %1 attributes (got %2)"_s.arg(MaxAttributes).arg(items.size());
    QStringList keys;
    for (const QString &item : items) {
        auto attribute = chain::parseListingAttribute(item);
        if (!attribute)
            return attribute.error().message;
        const auto &[key, value] = *attribute;
        if (key.toUtf8().size() > MaxAttributeKeyBytes)
            return u"attribute key \"%1\" is longer than %2 bytes"_s.arg(key).arg(
                MaxAttributeKeyBytes);
        if (value.toUtf8().size() > MaxAttributeValueBytes)
            return u"the value of \"%1\" is longer than %2 bytes"_s.arg(key).arg(
                MaxAttributeValueBytes);
        if (keys.contains(key))
            return u"attribute key \"%1\" is given twice"_s.arg(key);
        keys.append(key);
    }
    return std::nullopt;
}

// A browser's Origin: scheme://host[:port], nothing after it.
std::optional<QString> checkOriginList(const QString &text)
{
    for (const QString &origin : splitList(text)) {
        const QUrl url(origin, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != "http"_L1 && url.scheme() != "https"_L1) ||
            url.host().isEmpty() || !url.path().isEmpty() || url.hasQuery() || url.hasFragment() ||
            !url.userInfo().isEmpty())
            return u"origin \"%1\" must be scheme://host[:port] as a browser sends it, such as "
                   "http://localhost:8080"_s.arg(origin);
    }
    return std::nullopt;
}

std::optional<QString> checkLoggingRules(const QString &text)
{
    static const QRegularExpression rule(u"^[A-Za-z0-9_.*-]+=(true|false)$"_s);
    const auto rules = text.split(QRegularExpression(u"[;\n]"_s), Qt::SkipEmptyParts);
    for (const auto &r : rules) {
        const QString trimmed = r.trimmed();
        if (!trimmed.isEmpty() && !rule.match(trimmed).hasMatch())
            return u"rule \"%1\" must look like category.type=true|false "
                   "(e.g. berth.*.debug=false)"_s.arg(trimmed);
    }
    return std::nullopt;
}

// Converts and checks one value; stores it in settings. Returns the problem, if any.
std::optional<QString> assign(ProviderSettings &settings, const KeySpec &spec, const QString &text)
{
    if (text.contains(u'\n') && spec.kind != Kind::LoggingRules)
        return u"must be a single line"_s;
    if (text.isEmpty() && spec.optional) {
        settings.*std::get<StringMember>(spec.member) = QString();
        return std::nullopt;
    }
    switch (spec.kind) {
    case Kind::Boolean: {
        const QString value = text.trimmed();
        if (value != "true"_L1 && value != "false"_L1)
            return u"must be true or false (got \"%1\")"_s.arg(text);
        settings.*std::get<BoolMember>(spec.member) = value == "true"_L1;
        return std::nullopt;
    }
    case Kind::Integer: {
        bool ok = false;
        const qint64 value = text.trimmed().toLongLong(&ok);
        if (!ok || value < spec.min || value > spec.max)
            return u"must be %1..%2 (got \"%3\")"_s.arg(spec.min).arg(spec.max).arg(text);
        if (const auto *member = std::get_if<IntMember>(&spec.member))
            settings.**member = static_cast<int>(value);
        else
            settings.*std::get<Int64Member>(spec.member) = value;
        return std::nullopt;
    }
    case Kind::AbsolutePath:
        if (!QDir::isAbsolutePath(text) || !text.startsWith(u'/'))
            return u"must be an absolute path (got \"%1\")"_s.arg(text);
        break;
    case Kind::IpAddress:
        if (QHostAddress address; !address.setAddress(text))
            return u"must be an IP address such as 127.0.0.1 or ::1 (got \"%1\")"_s.arg(text);
        break;
    case Kind::DomainName:
        if (!isDomainName(text))
            return u"must be a lower-case DNS name such as pods.example.com (got \"%1\")"_s.arg(
                text);
        break;
    case Kind::HttpUrl: {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != "http"_L1 && url.scheme() != "https"_L1) ||
            url.host().isEmpty())
            return u"must be an http:// or https:// URL such as http://127.0.0.1:2019 "
                   "(got \"%1\")"_s.arg(text);
        break;
    }
    case Kind::LoggingRules:
        if (auto problem = checkLoggingRules(text))
            return problem;
        break;
    case Kind::TokenAmount: {
        static const QRegularExpression amount(u"^[0-9]{1,30}(\\.[0-9]{1,36})?$"_s);
        if (!amount.match(text).hasMatch())
            return u"must be a number of tokens such as 0.02 (got \"%1\")"_s.arg(text);
        break;
    }
    case Kind::TlsMode:
        if (text != "acme"_L1 && text != "internal"_L1 && text != "off"_L1)
            return u"must be acme (certificates from Let's Encrypt), internal (Caddy's own CA) "
                   "or off (plain HTTP) (got \"%1\")"_s.arg(text);
        break;
    case Kind::Text:
        if (text.isEmpty())
            return u"must not be empty"_s;
        break;
    case Kind::WssUrl: {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.scheme() != "wss"_L1 || url.host().isEmpty())
            return u"must be the wss:// URL publishers reach berthd at, such as "
                   "wss://berth.example.net:7443 (got \"%1\")"_s.arg(text);
        if (text.toUtf8().size() > MaxEndpointBytes)
            return u"must be at most %1 bytes long"_s.arg(MaxEndpointBytes);
        break;
    }
    case Kind::NameList:
        if (auto problem = checkNameList(text))
            return problem;
        break;
    case Kind::Attributes:
        if (auto problem = checkAttributes(text))
            return problem;
        break;
    case Kind::CpuQuantity:
        if (auto cpu = manifest::quantity::parseCpuMillis(text); !cpu)
            return u"must be a number of CPU cores such as 8, 0.5 or 500m (got \"%1\")"_s.arg(text);
        break;
    case Kind::ByteQuantity:
        if (auto bytes = manifest::quantity::parseBytes(text); !bytes)
            return u"must be a size such as 32Gi, 1Ti or 500M (got \"%1\")"_s.arg(text);
        break;
    case Kind::LoopbackAddress:
        // Plain ws:// carries the token in clear: it never leaves the machine.
        if (QHostAddress address; !address.setAddress(text) || !address.isLoopback())
            return u"must be a loopback address (127.0.0.1 or ::1): the admin API has no TLS; "
                   "reach a remote berthd through an SSH tunnel (got \"%1\")"_s.arg(text);
        break;
    case Kind::OriginList:
        if (auto problem = checkOriginList(text))
            return problem;
        break;
    }
    settings.*std::get<StringMember>(spec.member) = text;
    return std::nullopt;
}

struct Problem
{
    QString where; // "berthd.yaml:7:3" or "BERTH_LISTEN_PORT"
    QString path;
    QString message;
    int line = 0;
    int column = 0;
};

class YamlReader
{
public:
    YamlReader(ProviderSettings &settings, const QString &fileName)
        : m_settings(settings)
        , m_fileName(fileName)
    {}

    void readRoot(const YAML::Node &root)
    {
        if (!root || root.IsNull())
            return;
        if (!root.IsMap()) {
            problem(root.Mark(), QString(), u"the file must be a map of settings"_s);
            return;
        }
        readMap(root, QString());
    }

    QList<Problem> problems;
    QHash<QString, QString> origins; // key path -> where its value came from

private:
    void readMap(const YAML::Node &map, const QString &parent)
    {
        QSet<QString> seen;
        const QStringList known = keysUnder(parent);
        for (auto it = map.begin(); it != map.end(); ++it) {
            const YAML::Node keyNode = it->first;
            const YAML::Node value = it->second;
            if (!keyNode.IsScalar()) {
                problem(keyNode.Mark(), parent, u"keys must be plain names"_s);
                continue;
            }
            const QString key = QString::fromStdString(keyNode.Scalar());
            const QString path = parent.isEmpty() ? key : parent + u'.' + key;
            if (seen.contains(key)) {
                problem(keyNode.Mark(), path, u"duplicate key"_s);
                continue;
            }
            seen.insert(key);
            if (isSecretKey(key)) {
                problem(keyNode.Mark(), path,
                        u"a secret never goes in berthd.yaml: put the keystore password in "
                        "an owner-only file named by wallet.passwordFile, or in the keychain "
                        "under the name given by wallet.credential"_s);
                continue;
            }
            if (!known.contains(key)) {
                const QString suggestion = closestMatch(key, known);
                problem(keyNode.Mark(), path,
                        suggestion.isEmpty()
                            ? u"unknown key; known keys here: %1"_s.arg(known.join(u", "_s))
                            : u"unknown key; did you mean \"%1\"?"_s.arg(suggestion));
                continue;
            }
            if (isSection(path)) {
                if (value.IsNull())
                    continue;
                if (!value.IsMap()) {
                    problem(value.Mark(), path,
                            u"must be a map of %1"_s.arg(keysUnder(path).join(u", "_s)));
                    continue;
                }
                readMap(value, path);
                continue;
            }
            readLeaf(*findSpec(path), value);
        }
    }

    void readLeaf(const KeySpec &spec, const YAML::Node &value)
    {
        const QString path = spec.path;
        if (!value.IsScalar()) {
            problem(value.Mark(), path,
                    value.IsNull() ? u"needs a value"_s
                                   : u"must be a single value, not a list or a map"_s);
            return;
        }
        const auto location = manifest::sourceLocation(value.Mark());
        origins.insert(path, where(location));
        if (auto message = assign(m_settings, spec, QString::fromStdString(value.Scalar())))
            problem(value.Mark(), path, *message);
    }

    QString where(manifest::SourceLocation location) const
    {
        return u"%1:%2:%3"_s.arg(m_fileName).arg(location.line).arg(location.column);
    }

    void problem(const YAML::Mark &mark, const QString &path, const QString &message)
    {
        const auto location = manifest::sourceLocation(mark);
        problems.append({where(location), path.isEmpty() ? u"(document)"_s : path, message,
                         location.line, location.column});
    }

    ProviderSettings &m_settings;
    QString m_fileName;
};

Error validationError(const QList<Problem> &problems)
{
    QStringList lines;
    for (const auto &p : problems)
        lines.append(u"%1: %2: %3"_s.arg(p.where, p.path, p.message));
    return Error(ErrorCode::ValidationFailed, lines.join(u'\n'));
}

} // namespace

namespace {

// Puts value at keys[0].keys[1]... inside object, making the sections it needs.
void insertPath(QJsonObject &object, QStringList keys, const QJsonValue &value)
{
    const QString key = keys.takeFirst();
    if (keys.isEmpty()) {
        object.insert(key, value);
        return;
    }
    QJsonObject section = object.value(key).toObject();
    insertPath(section, keys, value);
    object.insert(key, section);
}

} // namespace

QStringList ProviderSettings::registryRegionList() const
{
    return splitList(registryRegions);
}

QStringList ProviderSettings::adminAllowedOriginList() const
{
    return splitList(adminAllowedOrigins);
}

QList<std::pair<QString, QString>> ProviderSettings::registryAttributeList() const
{
    QList<std::pair<QString, QString>> attributes;
    for (const QString &item : splitList(registryAttributes))
        if (auto attribute = chain::parseListingAttribute(item))
            attributes.append(*attribute);
    return attributes;
}

ProviderSettings ProviderSettings::defaults()
{
    ProviderSettings settings;
    settings.dataDir = defaultDataDir();
    // Secrets live on tmpfs only: /run for the system service, else the user's
    // runtime folder (also tmpfs), else /dev/shm.
    const QString runtimeDir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (::geteuid() == 0)
        settings.secretRoot = u"/run/berth/secrets"_s;
    else if (!runtimeDir.isEmpty())
        settings.secretRoot = runtimeDir + u"/berth/secrets"_s;
    else
        settings.secretRoot = u"/dev/shm/berth-%1/secrets"_s.arg(::geteuid());
    return settings;
}

QString ProviderSettings::defaultConfigPath()
{
    const QString fromEnvironment = qEnvironmentVariable("BERTH_CONFIG");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    if (::geteuid() == 0)
        return u"/etc/berth/berthd.yaml"_s;
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           u"/berth/berthd.yaml"_s;
}

QString ProviderSettings::defaultDataDir()
{
    if (::geteuid() == 0)
        return u"/var/lib/berth"_s;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/berth"_s;
}

Result<ProviderSettings> ProviderSettings::load(const QString &path, const QProcessEnvironment &env)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound,
                     u"cannot read %1: %2; start from the example berthd.yaml or pass "
                     "--config FILE"_s.arg(path, file.errorString()));
    const QByteArray text = file.read(manifest::limits::MaxFileBytes + 1);
    if (text.size() > manifest::limits::MaxFileBytes)
        return Error(ErrorCode::TooLarge, u"%1: larger than %2 bytes; is this really berthd's "
                                          "settings file?"_s.arg(path)
                                              .arg(manifest::limits::MaxFileBytes));
    return parse(text, path, env);
}

Result<ProviderSettings> ProviderSettings::parse(const QByteArray &yaml, const QString &fileName,
                                                 const QProcessEnvironment &env)
{
    if (auto problem = manifest::checkYamlInput(yaml, 1))
        return Error(ErrorCode::ParseFailed, manifest::formatDiagnostic(fileName, *problem));
    ProviderSettings settings = defaults();
    YamlReader reader(settings, fileName);
    try {
        // Bound to a const local: assigning a YAML::Node trips GCC 12's dangling-pointer check.
        const YAML::Node root = YAML::Load(yaml.toStdString());
        reader.readRoot(root);
    } catch (const YAML::Exception &e) {
        const auto location = manifest::sourceLocation(e.mark);
        return Error(ErrorCode::ParseFailed, u"%1:%2:%3: (document): %4"_s.arg(fileName)
                                                 .arg(location.line)
                                                 .arg(location.column)
                                                 .arg(QString::fromStdString(e.msg)));
    }
    QList<Problem> problems = reader.problems;
    QHash<QString, QString> origins = reader.origins;
    std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });

    // Environment overrides come after the file, in the order of the keys.
    for (const auto &spec : keySpecs()) {
        const QString name = envName(spec.path);
        if (!env.contains(name))
            continue;
        origins.insert(spec.path, name);
        if (auto message = assign(settings, spec, env.value(name)))
            problems.append({name, spec.path, *message});
    }

    // A BERTH_<SECTION>_* variable that names no setting is a typo, not something to ignore.
    QStringList knownNames;
    for (const auto &spec : keySpecs())
        knownNames.append(envName(spec.path));
    const QStringList sections = keysUnder(QString());
    QStringList names = env.keys();
    names.sort();
    for (const auto &name : std::as_const(names)) {
        const bool inSection =
            std::any_of(sections.cbegin(), sections.cend(), [&](const QString &section) {
                return isSection(section) &&
                       name.startsWith(u"BERTH_"_s + section.toUpper() + u'_');
            });
        if (!inSection || knownNames.contains(name))
            continue;
        const QString key = name.section(u'_', 2);
        if (isSecretKey(key))
            problems.append({name, name,
                             u"a secret never goes in the environment of berthd's "
                             "settings: use BERTH_WALLET_PASSWORDFILE or the keychain "
                             "(wallet.credential)"_s});
        else if (const QString suggestion = closestMatch(name, knownNames); !suggestion.isEmpty())
            problems.append({name, name, u"names no setting; did you mean %1?"_s.arg(suggestion)});
        else
            problems.append({name, name, u"names no setting"_s});
    }

    // Rules across keys, reported where the later key came from.
    const auto originOf = [&](const QString &path) {
        return origins.value(path, u"%1 (default)"_s.arg(fileName));
    };
    if (settings.tcpPortFirst > settings.tcpPortLast)
        problems.append({originOf(u"tcpPorts.last"_s), u"tcpPorts.last"_s,
                         u"must not be below tcpPorts.first (%1)"_s.arg(settings.tcpPortFirst)});
    else if (settings.listenPort >= settings.tcpPortFirst &&
             settings.listenPort <= settings.tcpPortLast)
        problems.append(
            {originOf(u"listen.port"_s), u"listen.port"_s,
             u"%1 lies inside tcpPorts %2..%3, which are handed to pods"_s.arg(settings.listenPort)
                 .arg(settings.tcpPortFirst)
                 .arg(settings.tcpPortLast)});

    const auto overlaps = [](int a1, int a2, int b1, int b2) { return a1 <= b2 && b1 <= a2; };
    if (settings.upstreamPortFirst > settings.upstreamPortLast)
        problems.append(
            {originOf(u"upstreamPorts.last"_s), u"upstreamPorts.last"_s,
             u"must not be below upstreamPorts.first (%1)"_s.arg(settings.upstreamPortFirst)});
    else if (overlaps(settings.upstreamPortFirst, settings.upstreamPortLast, settings.tcpPortFirst,
                      settings.tcpPortLast) ||
             overlaps(settings.upstreamPortFirst, settings.upstreamPortLast, settings.listenPort,
                      settings.listenPort))
        problems.append({originOf(u"upstreamPorts.first"_s), u"upstreamPorts.first"_s,
                         u"upstreamPorts %1..%2 must not overlap tcpPorts or listen.port"_s
                             .arg(settings.upstreamPortFirst)
                             .arg(settings.upstreamPortLast)});

    if (settings.adminEnabled && settings.adminListenPort != 0 &&
        (settings.adminListenPort == settings.listenPort ||
         settings.adminListenPort == settings.metricsListenPort))
        problems.append({originOf(u"admin.listen.port"_s), u"admin.listen.port"_s,
                         u"%1 is also listen.port or metrics.listen.port: give the admin API a "
                         "port of its own"_s.arg(settings.adminListenPort)});

    if (settings.registryRegister && settings.registryEndpoint.isEmpty())
        problems.append({originOf(u"registry.register"_s), u"registry.endpoint"_s,
                         u"must be set when registry.register is true: the wss:// URL "
                         "publishers reach berthd at, such as wss://berth.example.net:7443"_s});

    if (!problems.isEmpty())
        return validationError(problems);
    return settings;
}

QJsonObject ProviderSettings::toJson() const
{
    QJsonObject root;
    for (const auto &spec : keySpecs()) {
        const QString path = spec.path;
        QJsonValue value;
        if (const auto *member = std::get_if<IntMember>(&spec.member))
            value = this->**member;
        else if (const auto *wide = std::get_if<Int64Member>(&spec.member))
            value = this->**wide;
        else if (const auto *flag = std::get_if<BoolMember>(&spec.member))
            value = this->**flag;
        else
            value = this->*std::get<StringMember>(spec.member);
        insertPath(root, path.split(u'.'), value);
    }
    return root;
}

} // namespace berth::provider

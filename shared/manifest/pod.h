#pragma once

// The Berth pod manifest (apiVersion berth/v1, kind Pod): the contract between
// a publisher and a provider. Plain value types; parsing lives in the codecs,
// rules in Validator, and docs/manifest.md documents every field.

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <compare>
#include <cstdint>
#include <optional>

namespace berth::manifest {

inline constexpr auto ApiVersion = "berth/v1";
inline constexpr auto Kind = "Pod";

struct Metadata
{
    QString name;                  // DNS label: [a-z0-9-], 1..63, alphanumeric at both ends
    QMap<QString, QString> labels; // Kubernetes-style label keys and values
    bool operator==(const Metadata &) const = default;
};

// Either a registry reference ("docker.io/library/nginx:1.25") or an encrypted
// blob: the SHA-256 of the ciphertext plus where to fetch it. An empty blobUrl
// means the blob is uploaded to the provider's own blob store.
struct Image
{
    QString reference;
    QString blobSha256; // 64 lower-case hex digits
    QString blobUrl;    // https:// URL, or empty
    bool isBlob() const { return !blobSha256.isEmpty(); }
    bool operator==(const Image &) const = default;
};

// A key of a named secret. Secret values never appear in a manifest: they are
// sealed to the provider at deploy time.
struct SecretKeyRef
{
    QString name; // secret name (DNS label)
    QString key;  // key inside the secret
    bool operator==(const SecretKeyRef &) const = default;
};

struct EnvVar
{
    QString name;
    QString value;                      // plain value (may be empty)
    std::optional<SecretKeyRef> secret; // set instead of value
    bool operator==(const EnvVar &) const = default;
};

enum class PortProtocol
{
    Http,
    Tcp
};

struct Port
{
    QString name;          // DNS label, unique in the pod
    int containerPort = 0; // 1..65535, unique in the pod (containers share a network)
    PortProtocol protocol = PortProtocol::Http;
    QStringList hosts; // http: the publisher's own host names (a generated one is always added)
    std::optional<int> publicPort; // tcp: a requested public port; the provider may refuse it
    bool operator==(const Port &) const = default;
};

struct Gpu
{
    int count = 0;
    QString model; // e.g. "nvidia-a100"; empty means any
    bool operator==(const Gpu &) const = default;
};

struct Resources
{
    std::int64_t cpuMillis = 0;             // 250m -> 250, 1.5 -> 1500
    std::int64_t memoryBytes = 0;           // 512Mi -> 536870912
    std::int64_t ephemeralStorageBytes = 0; // 0: the provider's default scratch space
    std::optional<Gpu> gpu;
    bool operator==(const Resources &) const = default;
};

struct VolumeMount
{
    QString name;      // a volume of the pod
    QString mountPath; // absolute path in the container
    bool readOnly = false;
    bool operator==(const VolumeMount &) const = default;
};

enum class HealthCheckKind
{
    Http,
    Tcp,
    Exec
};

struct HealthCheck
{
    HealthCheckKind kind = HealthCheckKind::Http;
    QString path;        // http: request path, starts with '/'
    int port = 0;        // http and tcp: container port
    QStringList command; // exec: argv run in the container; exit 0 is healthy
    int initialDelaySeconds = 0;
    int periodSeconds = 10;
    int timeoutSeconds = 1;
    int failureThreshold = 3;
    bool operator==(const HealthCheck &) const = default;
};

struct Container
{
    QString name; // DNS label, unique in the pod; also a host name inside the pod
    Image image;
    QStringList command; // replaces the image's entrypoint
    QStringList args;    // replaces the image's cmd
    QString workingDir;  // absolute path, or empty for the image's default
    QList<EnvVar> env;
    QList<Port> ports;
    Resources resources;
    QList<VolumeMount> volumeMounts;
    std::optional<HealthCheck> healthCheck;
    bool operator==(const Container &) const = default;
};

enum class VolumeKind
{
    EmptyDir,
    Persistent,
    Secret
};

struct SecretItem
{
    QString key;  // key of the secret
    QString path; // relative file path under the mount
    bool operator==(const SecretItem &) const = default;
};

struct Volume
{
    QString name;
    VolumeKind kind = VolumeKind::EmptyDir;
    std::int64_t sizeBytes = 0; // emptyDir: size limit (0 = none); persistent: size (required)
    QString secretName;         // secret: which secret
    QList<SecretItem> items; // secret: which keys as which files (empty = every key, as its name)
    bool operator==(const Volume &) const = default;
};

enum class RestartPolicy
{
    Always,
    OnFailure,
    Never
};

struct Replicas
{
    int min = 1;
    int max = 1;
    int targetPendingRequests = 10; // per replica; drives scale-up and scale-from-zero
    bool operator==(const Replicas &) const = default;
};

struct Pod
{
    Metadata metadata;
    QList<Container> containers;
    QList<Volume> volumes;
    Replicas replicas;
    RestartPolicy restartPolicy = RestartPolicy::Always;
    QStringList hostAliases; // extra names that resolve to the pod (container names always do)
    bool operator==(const Pod &) const = default;
};

// Names used in YAML/JSON for the enums above.
QString toString(PortProtocol);
QString toString(HealthCheckKind);
QString toString(VolumeKind);
QString toString(RestartPolicy);
std::optional<PortProtocol> portProtocolFromString(const QString &);
std::optional<RestartPolicy> restartPolicyFromString(const QString &);

} // namespace berth::manifest

// The header from C++17: it compiles with -Wall -Wextra -Werror, links, and a call works.
#include <cstring>
#include <memory>
#include <string>

#include "sheetseal.h"

namespace {

struct JobDeleter {
    void operator()(sheetseal_job *job) const { sheetseal_job_free(job); }
};

}  // namespace

int main() {
    if (std::string(sheetseal_version()).empty()) {
        return 1;
    }
    const std::string bad = "[1, 2";
    sheetseal_job *raw = nullptr;
    if (sheetseal_job_new(bad.data(), bad.size(), &raw) != SHEETSEAL_ERR_CONFIG || raw != nullptr) {
        return 1;
    }
    std::unique_ptr<sheetseal_job, JobDeleter> job(raw);
    char message[256];
    std::size_t len = 0;
    if (sheetseal_last_error_message(message, sizeof message, &len) != SHEETSEAL_OK || len != std::strlen(message)) {
        return 1;
    }
    return 0;
}

// Credentials and region resolution: environment first, then the shared files of AWS_PROFILE.
#include "aws/credentials.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace streamcache::aws {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A fresh directory standing in for $HOME, removed with everything in it.
class TempHome {
 public:
  TempHome() {
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("streamcache-auth-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directories(path_ / ".aws");
  }
  ~TempHome() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  [[nodiscard]] std::string path() const { return path_.string(); }
  [[nodiscard]] std::string credentials() const {
    return (path_ / ".aws" / "credentials").string();
  }
  [[nodiscard]] std::string config() const { return (path_ / ".aws" / "config").string(); }
  std::string write(const std::string& file, const std::string& text) const {
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  fs::path path_;
};

TEST(ResolveCredentials, EnvironmentWins) {
  TempHome home;
  home.write(home.credentials(), "[default]\naws_access_key_id=FILE\naws_secret_access_key=F\n");
  auto creds = resolve_credentials(fixed_env({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                              {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                              {"AWS_SESSION_TOKEN", "envtoken"},
                                              {"HOME", home.path()}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "ENVKEY");
  EXPECT_EQ(creds->secret_access_key, "envsecret");
  EXPECT_EQ(creds->session_token, "envtoken");
}

TEST(ResolveCredentials, LongTermEnvironmentKeysHaveNoToken) {
  auto creds = resolve_credentials(fixed_env(
      {{"AWS_ACCESS_KEY_ID", "K"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_SESSION_TOKEN", ""}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->session_token, "");
}

TEST(ResolveCredentials, PartialEnvironmentPairNamesTheMissingVariable) {
  auto only_key = resolve_credentials(fixed_env({{"AWS_ACCESS_KEY_ID", "K"}}));
  ASSERT_FALSE(only_key.has_value());
  EXPECT_THAT(only_key.error(), HasSubstr("AWS_SECRET_ACCESS_KEY is not"));
  auto only_secret =
      resolve_credentials(fixed_env({{"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_ACCESS_KEY_ID", ""}}));
  ASSERT_FALSE(only_secret.has_value());
  EXPECT_THAT(only_secret.error(), HasSubstr("AWS_ACCESS_KEY_ID is not"));
  EXPECT_THAT(only_secret.error(), Not(HasSubstr("S\"")));
}

TEST(ResolveCredentials, DefaultProfileFromCredentialsFile) {
  TempHome home;
  home.write(home.credentials(),
             "# written by hand\n"
             "; another comment\n"
             "\n"
             "[other]\n"
             "aws_access_key_id = OTHER\n"
             "aws_secret_access_key = other\n"
             "  [ default ]  \n"
             "  aws_access_key_id   =   AKIDFILE   # trailing comment\n"
             "aws_secret_access_key=se/cr+et#notacomment\n"
             "aws_session_token = tok==\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "AKIDFILE");
  EXPECT_EQ(creds->secret_access_key, "se/cr+et#notacomment");
  EXPECT_EQ(creds->session_token, "tok==");
}

TEST(ResolveCredentials, NamedProfileWithCrlfLineEnds) {
  TempHome home;
  home.write(home.credentials(),
             "[default]\r\naws_access_key_id=D\r\naws_secret_access_key=d\r\n"
             "[dev]\r\naws_access_key_id=DEV\r\naws_secret_access_key=dev\r\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}, {"AWS_PROFILE", "dev"}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "DEV");
  EXPECT_EQ(creds->secret_access_key, "dev");
  EXPECT_EQ(creds->session_token, "");
}

TEST(ResolveCredentials, ConfigFileUsesProfilePrefix) {
  TempHome home;
  home.write(home.config(),
             "[dev]\naws_access_key_id=WRONG\naws_secret_access_key=wrong\n"
             "[profile   dev]\nregion = eu-west-1\naws_access_key_id=CFG\n"
             "s3 =\n  max_concurrent_requests = 10\n"
             "aws_secret_access_key=cfg\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}, {"AWS_PROFILE", "dev"}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "CFG");
  EXPECT_EQ(creds->secret_access_key, "cfg");
}

TEST(ResolveCredentials, ConfigDefaultSectionIsBare) {
  TempHome home;
  home.write(home.config(), "[default]\naws_access_key_id=CFGDEF\naws_secret_access_key=x\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "CFGDEF");
}

TEST(ResolveCredentials, CredentialsFileBeatsConfigFile) {
  TempHome home;
  home.write(home.credentials(), "[default]\naws_access_key_id=CRED\naws_secret_access_key=c\n");
  home.write(home.config(), "[default]\naws_access_key_id=CFG\naws_secret_access_key=x\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "CRED");
}

TEST(ResolveCredentials, FileVariablesOverrideHome) {
  TempHome home;
  TempHome elsewhere;
  home.write(home.credentials(), "[default]\naws_access_key_id=HOME\naws_secret_access_key=h\n");
  const std::string file =
      elsewhere.write(elsewhere.path() + "/creds.ini",
                      "[default]\naws_access_key_id=VAR\naws_secret_access_key=v\n");
  auto creds = resolve_credentials(
      fixed_env({{"HOME", home.path()}, {"AWS_SHARED_CREDENTIALS_FILE", file}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "VAR");
}

TEST(ResolveCredentials, TildeInFileVariableIsHome) {
  TempHome home;
  home.write(home.path() + "/my-creds",
             "[default]\naws_access_key_id=TILDE\naws_secret_access_key=t\n");
  auto creds = resolve_credentials(
      fixed_env({{"HOME", home.path()}, {"AWS_SHARED_CREDENTIALS_FILE", "~/my-creds"}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "TILDE");
}

TEST(ResolveCredentials, PartialProfileIsAnErrorNamingTheKey) {
  TempHome home;
  home.write(home.credentials(), "[default]\naws_access_key_id=ONLY\n");
  home.write(home.config(), "[default]\naws_access_key_id=CFG\naws_secret_access_key=x\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}}));
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error(), AllOf(HasSubstr("no aws_secret_access_key"),
                                   HasSubstr(home.credentials()), Not(HasSubstr("ONLY"))));
}

TEST(ResolveCredentials, NothingFoundSaysWhatWasTriedAndWhatToSet) {
  TempHome home;
  home.write(home.config(), "[profile other]\nregion=us-east-1\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}, {"AWS_PROFILE", "prod"}}));
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error(),
              AllOf(HasSubstr("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)"),
                    HasSubstr("profile \"prod\" in " + home.credentials() + " (file not found"),
                    HasSubstr("profile \"prod\" in " + home.config() + " (no such profile)"),
                    HasSubstr("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
                    HasSubstr("AWS_PROFILE")));
}

TEST(ResolveCredentials, NoHomeAndNoFileVariables) {
  auto creds = resolve_credentials(fixed_env({}));
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error(), AllOf(HasSubstr("AWS_SHARED_CREDENTIALS_FILE (neither it nor HOME"),
                                   HasSubstr("AWS_CONFIG_FILE (neither it nor HOME")));
}

TEST(ResolveCredentials, ProfileWithoutKeysFallsThroughToConfig) {
  TempHome home;
  home.write(home.credentials(), "[default]\n# keys moved to config\n");
  home.write(home.config(), "[default]\naws_access_key_id=CFG\naws_secret_access_key=x\n");
  auto creds = resolve_credentials(fixed_env({{"HOME", home.path()}}));
  ASSERT_TRUE(creds.has_value()) << creds.error();
  EXPECT_EQ(creds->access_key_id, "CFG");
}

TEST(ResolveRegion, EnvironmentOrder) {
  EXPECT_EQ(
      resolve_region(fixed_env({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}))
          .value_or(""),
      "eu-west-1");
  EXPECT_EQ(resolve_region(fixed_env({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "us-west-2"}}))
                .value_or(""),
            "us-west-2");
}

TEST(ResolveRegion, ProfileRegionFromConfig) {
  TempHome home;
  home.write(home.config(),
             "[default]\nregion = us-east-2\n[profile dev]\nregion=ap-south-1 ; mumbai\n");
  EXPECT_EQ(resolve_region(fixed_env({{"HOME", home.path()}})).value_or(""), "us-east-2");
  EXPECT_EQ(resolve_region(fixed_env({{"HOME", home.path()}, {"AWS_PROFILE", "dev"}})).value_or(""),
            "ap-south-1");
  EXPECT_EQ(resolve_region(fixed_env({{"AWS_CONFIG_FILE", home.config()}})).value_or(""),
            "us-east-2");
}

TEST(ResolveRegion, MissingRegionSaysWhatToSet) {
  TempHome home;
  home.write(home.config(), "[default]\noutput = json\n");
  auto region = resolve_region(fixed_env({{"HOME", home.path()}}));
  ASSERT_FALSE(region.has_value());
  EXPECT_THAT(region.error(),
              AllOf(HasSubstr("AWS_REGION, AWS_DEFAULT_REGION (not set)"),
                    HasSubstr(home.config() + " (no region)"), HasSubstr("Set AWS_REGION")));
  auto no_file = resolve_region(fixed_env({{"HOME", home.path() + "/nowhere"}}));
  ASSERT_FALSE(no_file.has_value());
  EXPECT_THAT(no_file.error(), HasSubstr("(file not found"));
}

}  // namespace
}  // namespace streamcache::aws

//! Roles and what each may do. Scope (where) is separate from role (what).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 街道管理员: the whole street.
    StreetAdmin,
    /// 社区书记/主任: one community.
    CommunityHead,
    /// 社工: one community.
    SocialWorker,
    /// 网格员: one or more grids.
    GridWorker,
    /// 楼组长: read-only on their buildings.
    BuildingLeader,
    /// 居民: the resident portal (later).
    Resident,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::StreetAdmin,
        Role::CommunityHead,
        Role::SocialWorker,
        Role::GridWorker,
        Role::BuildingLeader,
        Role::Resident,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::StreetAdmin => "street_admin",
            Role::CommunityHead => "community_head",
            Role::SocialWorker => "social_worker",
            Role::GridWorker => "grid_worker",
            Role::BuildingLeader => "building_leader",
            Role::Resident => "resident",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::StreetAdmin => "街道管理员",
            Role::CommunityHead => "社区书记/主任",
            Role::SocialWorker => "社工",
            Role::GridWorker => "网格员",
            Role::BuildingLeader => "楼组长",
            Role::Resident => "居民",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::StreetAdmin => "Street administrator",
            Role::CommunityHead => "Community head",
            Role::SocialWorker => "Social worker",
            Role::GridWorker => "Grid worker",
            Role::BuildingLeader => "Building leader",
            Role::Resident => "Resident",
        }
    }

    pub fn can_write_registry(self) -> bool {
        matches!(
            self,
            Role::StreetAdmin | Role::CommunityHead | Role::SocialWorker | Role::GridWorker
        )
    }

    /// May reveal one record's full ID number and phone (each reveal is audited).
    pub fn can_unmask(self) -> bool {
        self.can_write_registry()
    }

    /// May see sensitive special groups (health, correction, welfare); each read is audited.
    pub fn sees_sensitive(self) -> bool {
        matches!(
            self,
            Role::StreetAdmin | Role::CommunityHead | Role::SocialWorker
        )
    }

    /// May define tag types and accounts.
    pub fn is_admin(self) -> bool {
        self == Role::StreetAdmin
    }
}

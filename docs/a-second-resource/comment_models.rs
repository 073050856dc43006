/// A comment's body: 1 to 500 characters, not blank.
pub const COMMENT: Text = Text::not_blank("body", 500);

/// The rules of a comment's body, in the OpenAPI document.
fn comment_schema() -> ObjectBuilder {
    COMMENT.schema()
}

/// A comment on a post, as stored and as sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = comments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Comment {
    /// Assigned by the database.
    #[schema(minimum = 1)]
    pub id: i64,
    /// The post it is about.
    #[schema(minimum = 1)]
    pub post_id: i64,
    /// What the reader said.
    #[schema(schema_with = comment_schema)]
    pub body: String,
}

/// The body of `POST /posts/{id}/comments`: the path names the post.
#[derive(Debug, Clone, Serialize, Deserialize, Insertable, ToSchema)]
#[diesel(table_name = comments)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// What the reader says.
    #[schema(schema_with = comment_schema)]
    pub body: String,
}

impl Validate for NewComment {
    fn validate(&self) -> Result<(), AppError> {
        COMMENT.check(&self.body)
    }
}


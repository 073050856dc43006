        PostWithAuthor,
        Comment,
        NewComment,
        ErrorBody

        if let Some(email) = &self.email {
            check_email(email)?;
        }
        if let Some(Some(bio)) = &self.bio {
            check_bio(bio)?;
        }

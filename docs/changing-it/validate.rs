        if let Some(email) = &self.email {
            check_email(email)?;
        }
        if let Some(Some(bio)) = &self.bio {
            BIO.check(bio)?;
        }
